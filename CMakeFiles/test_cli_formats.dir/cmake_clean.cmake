file(REMOVE_RECURSE
  "CMakeFiles/test_cli_formats.dir/tests/check.c.o"
  "CMakeFiles/test_cli_formats.dir/tests/check.c.o.d"
  "CMakeFiles/test_cli_formats.dir/tests/test_cli_formats.c.o"
  "CMakeFiles/test_cli_formats.dir/tests/test_cli_formats.c.o.d"
  "test_cli_formats"
  "test_cli_formats.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_formats.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
