# Empty dependencies file for test_neighbors_io.
# This may be replaced when dependencies are built.
