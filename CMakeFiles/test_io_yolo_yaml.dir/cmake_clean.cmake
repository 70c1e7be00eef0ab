file(REMOVE_RECURSE
  "CMakeFiles/test_io_yolo_yaml.dir/tests/check.c.o"
  "CMakeFiles/test_io_yolo_yaml.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_yolo_yaml.dir/tests/test_io_yolo_yaml.c.o"
  "CMakeFiles/test_io_yolo_yaml.dir/tests/test_io_yolo_yaml.c.o.d"
  "test_io_yolo_yaml"
  "test_io_yolo_yaml.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_yolo_yaml.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
