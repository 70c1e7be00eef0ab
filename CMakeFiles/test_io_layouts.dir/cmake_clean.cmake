file(REMOVE_RECURSE
  "CMakeFiles/test_io_layouts.dir/tests/check.c.o"
  "CMakeFiles/test_io_layouts.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_layouts.dir/tests/test_io_layouts.c.o"
  "CMakeFiles/test_io_layouts.dir/tests/test_io_layouts.c.o.d"
  "test_io_layouts"
  "test_io_layouts.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_layouts.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
