file(REMOVE_RECURSE
  "CMakeFiles/bench_io_decode.dir/bench/io/decode_bench.c.o"
  "CMakeFiles/bench_io_decode.dir/bench/io/decode_bench.c.o.d"
  "bench_io_decode"
  "bench_io_decode.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/bench_io_decode.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
