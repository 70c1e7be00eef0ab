# Empty compiler generated dependencies file for bench_io_isolate.
# This may be replaced when dependencies are built.
