# Empty dependencies file for bench_io_decode.
# This may be replaced when dependencies are built.
