# Empty dependencies file for test_io_folders.
# This may be replaced when dependencies are built.
