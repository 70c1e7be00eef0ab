# Empty dependencies file for test_neighbors_approx.
# This may be replaced when dependencies are built.
