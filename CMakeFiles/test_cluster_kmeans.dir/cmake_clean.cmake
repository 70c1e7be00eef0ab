file(REMOVE_RECURSE
  "CMakeFiles/test_cluster_kmeans.dir/tests/check.c.o"
  "CMakeFiles/test_cluster_kmeans.dir/tests/check.c.o.d"
  "CMakeFiles/test_cluster_kmeans.dir/tests/test_cluster_kmeans.c.o"
  "CMakeFiles/test_cluster_kmeans.dir/tests/test_cluster_kmeans.c.o.d"
  "test_cluster_kmeans"
  "test_cluster_kmeans.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cluster_kmeans.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
