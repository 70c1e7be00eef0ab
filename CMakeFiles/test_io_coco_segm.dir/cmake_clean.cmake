file(REMOVE_RECURSE
  "CMakeFiles/test_io_coco_segm.dir/tests/check.c.o"
  "CMakeFiles/test_io_coco_segm.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_coco_segm.dir/tests/test_io_coco_segm.c.o"
  "CMakeFiles/test_io_coco_segm.dir/tests/test_io_coco_segm.c.o.d"
  "test_io_coco_segm"
  "test_io_coco_segm.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_coco_segm.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
