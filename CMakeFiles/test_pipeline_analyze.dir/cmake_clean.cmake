file(REMOVE_RECURSE
  "CMakeFiles/test_pipeline_analyze.dir/tests/check.c.o"
  "CMakeFiles/test_pipeline_analyze.dir/tests/check.c.o.d"
  "CMakeFiles/test_pipeline_analyze.dir/tests/test_pipeline_analyze.c.o"
  "CMakeFiles/test_pipeline_analyze.dir/tests/test_pipeline_analyze.c.o.d"
  "test_pipeline_analyze"
  "test_pipeline_analyze.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_pipeline_analyze.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
