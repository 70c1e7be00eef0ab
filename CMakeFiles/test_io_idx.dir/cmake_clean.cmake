file(REMOVE_RECURSE
  "CMakeFiles/test_io_idx.dir/tests/check.c.o"
  "CMakeFiles/test_io_idx.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_idx.dir/tests/test_io_idx.c.o"
  "CMakeFiles/test_io_idx.dir/tests/test_io_idx.c.o.d"
  "test_io_idx"
  "test_io_idx.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_idx.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
