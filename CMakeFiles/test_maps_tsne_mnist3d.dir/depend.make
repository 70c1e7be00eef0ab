# Empty dependencies file for test_maps_tsne_mnist3d.
# This may be replaced when dependencies are built.
