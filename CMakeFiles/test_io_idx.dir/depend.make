# Empty dependencies file for test_io_idx.
# This may be replaced when dependencies are built.
