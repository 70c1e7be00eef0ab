# Empty compiler generated dependencies file for test_io_npy.
# This may be replaced when dependencies are built.
