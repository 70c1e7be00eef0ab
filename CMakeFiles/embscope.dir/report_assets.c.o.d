CMakeFiles/embscope.dir/report_assets.c.o: /work/main/report_assets.c \
 /usr/include/stdc-predef.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h
