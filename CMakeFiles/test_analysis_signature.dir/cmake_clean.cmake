file(REMOVE_RECURSE
  "CMakeFiles/test_analysis_signature.dir/tests/check.c.o"
  "CMakeFiles/test_analysis_signature.dir/tests/check.c.o.d"
  "CMakeFiles/test_analysis_signature.dir/tests/test_analysis_signature.c.o"
  "CMakeFiles/test_analysis_signature.dir/tests/test_analysis_signature.c.o.d"
  "test_analysis_signature"
  "test_analysis_signature.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_analysis_signature.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
