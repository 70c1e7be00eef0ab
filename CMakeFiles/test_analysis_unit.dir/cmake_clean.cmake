file(REMOVE_RECURSE
  "CMakeFiles/test_analysis_unit.dir/tests/check.c.o"
  "CMakeFiles/test_analysis_unit.dir/tests/check.c.o.d"
  "CMakeFiles/test_analysis_unit.dir/tests/test_analysis_unit.c.o"
  "CMakeFiles/test_analysis_unit.dir/tests/test_analysis_unit.c.o.d"
  "test_analysis_unit"
  "test_analysis_unit.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_analysis_unit.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
