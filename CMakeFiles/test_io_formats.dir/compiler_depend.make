# Empty compiler generated dependencies file for test_io_formats.
# This may be replaced when dependencies are built.
