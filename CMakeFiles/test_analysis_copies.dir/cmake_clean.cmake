file(REMOVE_RECURSE
  "CMakeFiles/test_analysis_copies.dir/tests/check.c.o"
  "CMakeFiles/test_analysis_copies.dir/tests/check.c.o.d"
  "CMakeFiles/test_analysis_copies.dir/tests/test_analysis_copies.c.o"
  "CMakeFiles/test_analysis_copies.dir/tests/test_analysis_copies.c.o.d"
  "test_analysis_copies"
  "test_analysis_copies.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_analysis_copies.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
