# Empty dependencies file for test_neighbors_cli.
# This may be replaced when dependencies are built.
