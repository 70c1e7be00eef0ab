# Empty dependencies file for test_maps_umap.
# This may be replaced when dependencies are built.
