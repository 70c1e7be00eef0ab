file(REMOVE_RECURSE
  "CMakeFiles/test_neighbors_cli.dir/tests/check.c.o"
  "CMakeFiles/test_neighbors_cli.dir/tests/check.c.o.d"
  "CMakeFiles/test_neighbors_cli.dir/tests/test_neighbors_cli.c.o"
  "CMakeFiles/test_neighbors_cli.dir/tests/test_neighbors_cli.c.o.d"
  "test_neighbors_cli"
  "test_neighbors_cli.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_neighbors_cli.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
