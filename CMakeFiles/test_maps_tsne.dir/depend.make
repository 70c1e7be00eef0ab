# Empty dependencies file for test_maps_tsne.
# This may be replaced when dependencies are built.
