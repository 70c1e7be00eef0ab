file(REMOVE_RECURSE
  "CMakeFiles/test_cli_cluster.dir/tests/check.c.o"
  "CMakeFiles/test_cli_cluster.dir/tests/check.c.o.d"
  "CMakeFiles/test_cli_cluster.dir/tests/test_cli_cluster.c.o"
  "CMakeFiles/test_cli_cluster.dir/tests/test_cli_cluster.c.o.d"
  "test_cli_cluster"
  "test_cli_cluster.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_cluster.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
