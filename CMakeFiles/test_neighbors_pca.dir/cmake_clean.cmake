file(REMOVE_RECURSE
  "CMakeFiles/test_neighbors_pca.dir/tests/check.c.o"
  "CMakeFiles/test_neighbors_pca.dir/tests/check.c.o.d"
  "CMakeFiles/test_neighbors_pca.dir/tests/test_neighbors_pca.c.o"
  "CMakeFiles/test_neighbors_pca.dir/tests/test_neighbors_pca.c.o.d"
  "test_neighbors_pca"
  "test_neighbors_pca.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_neighbors_pca.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
