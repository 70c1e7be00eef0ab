file(REMOVE_RECURSE
  "CMakeFiles/test_io_annotations.dir/tests/check.c.o"
  "CMakeFiles/test_io_annotations.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_annotations.dir/tests/test_io_annotations.c.o"
  "CMakeFiles/test_io_annotations.dir/tests/test_io_annotations.c.o.d"
  "test_io_annotations"
  "test_io_annotations.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_annotations.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
