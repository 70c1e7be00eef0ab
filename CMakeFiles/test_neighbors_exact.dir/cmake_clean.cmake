file(REMOVE_RECURSE
  "CMakeFiles/test_neighbors_exact.dir/tests/check.c.o"
  "CMakeFiles/test_neighbors_exact.dir/tests/check.c.o.d"
  "CMakeFiles/test_neighbors_exact.dir/tests/test_neighbors_exact.c.o"
  "CMakeFiles/test_neighbors_exact.dir/tests/test_neighbors_exact.c.o.d"
  "test_neighbors_exact"
  "test_neighbors_exact.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_neighbors_exact.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
