# Empty compiler generated dependencies file for test_cluster_kmeans.
# This may be replaced when dependencies are built.
