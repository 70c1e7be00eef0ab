file(REMOVE_RECURSE
  "CMakeFiles/test_cli_analyze_npy.dir/tests/check.c.o"
  "CMakeFiles/test_cli_analyze_npy.dir/tests/check.c.o.d"
  "CMakeFiles/test_cli_analyze_npy.dir/tests/test_cli_analyze_npy.c.o"
  "CMakeFiles/test_cli_analyze_npy.dir/tests/test_cli_analyze_npy.c.o.d"
  "test_cli_analyze_npy"
  "test_cli_analyze_npy.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_analyze_npy.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
