file(REMOVE_RECURSE
  "CMakeFiles/test_maps_umap.dir/tests/check.c.o"
  "CMakeFiles/test_maps_umap.dir/tests/check.c.o.d"
  "CMakeFiles/test_maps_umap.dir/tests/test_maps_umap.c.o"
  "CMakeFiles/test_maps_umap.dir/tests/test_maps_umap.c.o.d"
  "test_maps_umap"
  "test_maps_umap.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_maps_umap.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
