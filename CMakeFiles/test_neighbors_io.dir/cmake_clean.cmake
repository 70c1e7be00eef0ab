file(REMOVE_RECURSE
  "CMakeFiles/test_neighbors_io.dir/tests/check.c.o"
  "CMakeFiles/test_neighbors_io.dir/tests/check.c.o.d"
  "CMakeFiles/test_neighbors_io.dir/tests/test_neighbors_io.c.o"
  "CMakeFiles/test_neighbors_io.dir/tests/test_neighbors_io.c.o.d"
  "test_neighbors_io"
  "test_neighbors_io.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_neighbors_io.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
