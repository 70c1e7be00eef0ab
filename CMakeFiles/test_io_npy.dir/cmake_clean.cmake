file(REMOVE_RECURSE
  "CMakeFiles/test_io_npy.dir/tests/check.c.o"
  "CMakeFiles/test_io_npy.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_npy.dir/tests/test_io_npy.c.o"
  "CMakeFiles/test_io_npy.dir/tests/test_io_npy.c.o.d"
  "test_io_npy"
  "test_io_npy.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_npy.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
