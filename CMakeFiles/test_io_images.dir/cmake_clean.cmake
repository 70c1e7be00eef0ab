file(REMOVE_RECURSE
  "CMakeFiles/test_io_images.dir/tests/check.c.o"
  "CMakeFiles/test_io_images.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_images.dir/tests/test_io_images.c.o"
  "CMakeFiles/test_io_images.dir/tests/test_io_images.c.o.d"
  "test_io_images"
  "test_io_images.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_images.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
