file(REMOVE_RECURSE
  "CMakeFiles/test_maps_tsne_mnist2d.dir/tests/check.c.o"
  "CMakeFiles/test_maps_tsne_mnist2d.dir/tests/check.c.o.d"
  "CMakeFiles/test_maps_tsne_mnist2d.dir/tests/test_maps_tsne_mnist2d.c.o"
  "CMakeFiles/test_maps_tsne_mnist2d.dir/tests/test_maps_tsne_mnist2d.c.o.d"
  "test_maps_tsne_mnist2d"
  "test_maps_tsne_mnist2d.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_maps_tsne_mnist2d.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
