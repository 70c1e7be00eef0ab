# Empty dependencies file for test_cluster_summary.
# This may be replaced when dependencies are built.
