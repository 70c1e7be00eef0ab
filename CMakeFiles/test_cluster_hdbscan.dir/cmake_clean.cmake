file(REMOVE_RECURSE
  "CMakeFiles/test_cluster_hdbscan.dir/tests/check.c.o"
  "CMakeFiles/test_cluster_hdbscan.dir/tests/check.c.o.d"
  "CMakeFiles/test_cluster_hdbscan.dir/tests/test_cluster_hdbscan.c.o"
  "CMakeFiles/test_cluster_hdbscan.dir/tests/test_cluster_hdbscan.c.o.d"
  "test_cluster_hdbscan"
  "test_cluster_hdbscan.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cluster_hdbscan.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
