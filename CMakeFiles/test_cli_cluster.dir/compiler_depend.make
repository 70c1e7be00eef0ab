# Empty compiler generated dependencies file for test_cli_cluster.
# This may be replaced when dependencies are built.
