file(REMOVE_RECURSE
  "CMakeFiles/test_neighbors_query.dir/tests/check.c.o"
  "CMakeFiles/test_neighbors_query.dir/tests/check.c.o.d"
  "CMakeFiles/test_neighbors_query.dir/tests/test_neighbors_query.c.o"
  "CMakeFiles/test_neighbors_query.dir/tests/test_neighbors_query.c.o.d"
  "test_neighbors_query"
  "test_neighbors_query.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_neighbors_query.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
