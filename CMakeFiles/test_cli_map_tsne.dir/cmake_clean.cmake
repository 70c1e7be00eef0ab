file(REMOVE_RECURSE
  "CMakeFiles/test_cli_map_tsne.dir/tests/check.c.o"
  "CMakeFiles/test_cli_map_tsne.dir/tests/check.c.o.d"
  "CMakeFiles/test_cli_map_tsne.dir/tests/test_cli_map_tsne.c.o"
  "CMakeFiles/test_cli_map_tsne.dir/tests/test_cli_map_tsne.c.o.d"
  "test_cli_map_tsne"
  "test_cli_map_tsne.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_map_tsne.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
