file(REMOVE_RECURSE
  "CMakeFiles/bench_clip_text.dir/bench/clip/text_bench.c.o"
  "CMakeFiles/bench_clip_text.dir/bench/clip/text_bench.c.o.d"
  "text_bench"
  "text_bench.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/bench_clip_text.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
