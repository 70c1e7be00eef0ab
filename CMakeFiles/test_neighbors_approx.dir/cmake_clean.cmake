file(REMOVE_RECURSE
  "CMakeFiles/test_neighbors_approx.dir/tests/check.c.o"
  "CMakeFiles/test_neighbors_approx.dir/tests/check.c.o.d"
  "CMakeFiles/test_neighbors_approx.dir/tests/test_neighbors_approx.c.o"
  "CMakeFiles/test_neighbors_approx.dir/tests/test_neighbors_approx.c.o.d"
  "test_neighbors_approx"
  "test_neighbors_approx.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_neighbors_approx.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
