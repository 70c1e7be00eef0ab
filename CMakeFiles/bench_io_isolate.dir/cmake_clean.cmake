file(REMOVE_RECURSE
  "CMakeFiles/bench_io_isolate.dir/bench/io/isolate_bench.c.o"
  "CMakeFiles/bench_io_isolate.dir/bench/io/isolate_bench.c.o.d"
  "bench_io_isolate"
  "bench_io_isolate.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/bench_io_isolate.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
