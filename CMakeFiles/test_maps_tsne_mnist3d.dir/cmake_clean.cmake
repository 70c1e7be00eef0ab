file(REMOVE_RECURSE
  "CMakeFiles/test_maps_tsne_mnist3d.dir/tests/check.c.o"
  "CMakeFiles/test_maps_tsne_mnist3d.dir/tests/check.c.o.d"
  "CMakeFiles/test_maps_tsne_mnist3d.dir/tests/test_maps_tsne_mnist3d.c.o"
  "CMakeFiles/test_maps_tsne_mnist3d.dir/tests/test_maps_tsne_mnist3d.c.o.d"
  "test_maps_tsne_mnist3d"
  "test_maps_tsne_mnist3d.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_maps_tsne_mnist3d.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
