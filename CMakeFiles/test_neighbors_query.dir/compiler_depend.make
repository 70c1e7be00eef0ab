# Empty compiler generated dependencies file for test_neighbors_query.
# This may be replaced when dependencies are built.
