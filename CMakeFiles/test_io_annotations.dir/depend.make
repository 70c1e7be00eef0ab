# Empty dependencies file for test_io_annotations.
# This may be replaced when dependencies are built.
