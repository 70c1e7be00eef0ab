file(REMOVE_RECURSE
  "CMakeFiles/test_cluster_summary.dir/tests/check.c.o"
  "CMakeFiles/test_cluster_summary.dir/tests/check.c.o.d"
  "CMakeFiles/test_cluster_summary.dir/tests/test_cluster_summary.c.o"
  "CMakeFiles/test_cluster_summary.dir/tests/test_cluster_summary.c.o.d"
  "test_cluster_summary"
  "test_cluster_summary.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cluster_summary.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
