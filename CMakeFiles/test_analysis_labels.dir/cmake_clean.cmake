file(REMOVE_RECURSE
  "CMakeFiles/test_analysis_labels.dir/tests/check.c.o"
  "CMakeFiles/test_analysis_labels.dir/tests/check.c.o.d"
  "CMakeFiles/test_analysis_labels.dir/tests/test_analysis_labels.c.o"
  "CMakeFiles/test_analysis_labels.dir/tests/test_analysis_labels.c.o.d"
  "test_analysis_labels"
  "test_analysis_labels.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_analysis_labels.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
