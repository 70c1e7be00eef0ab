# Empty dependencies file for test_maps_umap_mnist.
# This may be replaced when dependencies are built.
