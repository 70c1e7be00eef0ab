# Empty dependencies file for test_neighbors_pca.
# This may be replaced when dependencies are built.
