# Empty compiler generated dependencies file for test_io_coco_segm.
# This may be replaced when dependencies are built.
