# Empty compiler generated dependencies file for test_cluster_hdbscan.
# This may be replaced when dependencies are built.
