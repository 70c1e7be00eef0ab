# Empty compiler generated dependencies file for test_neighbors_parts.
# This may be replaced when dependencies are built.
