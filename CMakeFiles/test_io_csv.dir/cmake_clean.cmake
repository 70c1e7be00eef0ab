file(REMOVE_RECURSE
  "CMakeFiles/test_io_csv.dir/tests/check.c.o"
  "CMakeFiles/test_io_csv.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_csv.dir/tests/test_io_csv.c.o"
  "CMakeFiles/test_io_csv.dir/tests/test_io_csv.c.o.d"
  "test_io_csv"
  "test_io_csv.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_csv.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
