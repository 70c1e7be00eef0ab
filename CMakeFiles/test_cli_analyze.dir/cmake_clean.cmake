file(REMOVE_RECURSE
  "CMakeFiles/test_cli_analyze.dir/tests/check.c.o"
  "CMakeFiles/test_cli_analyze.dir/tests/check.c.o.d"
  "CMakeFiles/test_cli_analyze.dir/tests/test_cli_analyze.c.o"
  "CMakeFiles/test_cli_analyze.dir/tests/test_cli_analyze.c.o.d"
  "test_cli_analyze"
  "test_cli_analyze.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_analyze.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
