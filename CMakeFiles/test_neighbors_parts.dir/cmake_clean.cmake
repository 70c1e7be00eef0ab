file(REMOVE_RECURSE
  "CMakeFiles/test_neighbors_parts.dir/tests/check.c.o"
  "CMakeFiles/test_neighbors_parts.dir/tests/check.c.o.d"
  "CMakeFiles/test_neighbors_parts.dir/tests/test_neighbors_parts.c.o"
  "CMakeFiles/test_neighbors_parts.dir/tests/test_neighbors_parts.c.o.d"
  "test_neighbors_parts"
  "test_neighbors_parts.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_neighbors_parts.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
