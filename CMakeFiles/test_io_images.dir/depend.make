# Empty dependencies file for test_io_images.
# This may be replaced when dependencies are built.
