# Empty dependencies file for test_maps_umap_transform.
# This may be replaced when dependencies are built.
