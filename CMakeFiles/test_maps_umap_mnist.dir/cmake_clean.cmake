file(REMOVE_RECURSE
  "CMakeFiles/test_maps_umap_mnist.dir/tests/check.c.o"
  "CMakeFiles/test_maps_umap_mnist.dir/tests/check.c.o.d"
  "CMakeFiles/test_maps_umap_mnist.dir/tests/test_maps_umap_mnist.c.o"
  "CMakeFiles/test_maps_umap_mnist.dir/tests/test_maps_umap_mnist.c.o.d"
  "test_maps_umap_mnist"
  "test_maps_umap_mnist.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_maps_umap_mnist.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
