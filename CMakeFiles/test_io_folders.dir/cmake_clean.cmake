file(REMOVE_RECURSE
  "CMakeFiles/test_io_folders.dir/tests/check.c.o"
  "CMakeFiles/test_io_folders.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_folders.dir/tests/test_io_folders.c.o"
  "CMakeFiles/test_io_folders.dir/tests/test_io_folders.c.o.d"
  "test_io_folders"
  "test_io_folders.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_folders.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
