file(REMOVE_RECURSE
  "CMakeFiles/test_cli_search.dir/tests/check.c.o"
  "CMakeFiles/test_cli_search.dir/tests/check.c.o.d"
  "CMakeFiles/test_cli_search.dir/tests/test_cli_search.c.o"
  "CMakeFiles/test_cli_search.dir/tests/test_cli_search.c.o.d"
  "test_cli_search"
  "test_cli_search.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_search.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
