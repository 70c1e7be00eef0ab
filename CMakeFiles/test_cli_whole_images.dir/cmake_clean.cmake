file(REMOVE_RECURSE
  "CMakeFiles/test_cli_whole_images.dir/tests/check.c.o"
  "CMakeFiles/test_cli_whole_images.dir/tests/check.c.o.d"
  "CMakeFiles/test_cli_whole_images.dir/tests/test_cli_whole_images.c.o"
  "CMakeFiles/test_cli_whole_images.dir/tests/test_cli_whole_images.c.o.d"
  "test_cli_whole_images"
  "test_cli_whole_images.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_whole_images.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
