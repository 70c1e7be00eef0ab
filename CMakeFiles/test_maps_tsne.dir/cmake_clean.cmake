file(REMOVE_RECURSE
  "CMakeFiles/test_maps_tsne.dir/tests/check.c.o"
  "CMakeFiles/test_maps_tsne.dir/tests/check.c.o.d"
  "CMakeFiles/test_maps_tsne.dir/tests/test_maps_tsne.c.o"
  "CMakeFiles/test_maps_tsne.dir/tests/test_maps_tsne.c.o.d"
  "test_maps_tsne"
  "test_maps_tsne.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_maps_tsne.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
