# Empty compiler generated dependencies file for test_io_layouts.
# This may be replaced when dependencies are built.
