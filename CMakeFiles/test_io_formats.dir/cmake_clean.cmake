file(REMOVE_RECURSE
  "CMakeFiles/test_io_formats.dir/tests/check.c.o"
  "CMakeFiles/test_io_formats.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_formats.dir/tests/test_io_formats.c.o"
  "CMakeFiles/test_io_formats.dir/tests/test_io_formats.c.o.d"
  "test_io_formats"
  "test_io_formats.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_formats.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
