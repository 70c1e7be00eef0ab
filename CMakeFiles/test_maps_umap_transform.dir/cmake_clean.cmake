file(REMOVE_RECURSE
  "CMakeFiles/test_maps_umap_transform.dir/tests/check.c.o"
  "CMakeFiles/test_maps_umap_transform.dir/tests/check.c.o.d"
  "CMakeFiles/test_maps_umap_transform.dir/tests/test_maps_umap_transform.c.o"
  "CMakeFiles/test_maps_umap_transform.dir/tests/test_maps_umap_transform.c.o.d"
  "test_maps_umap_transform"
  "test_maps_umap_transform.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_maps_umap_transform.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
