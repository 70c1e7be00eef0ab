# Empty compiler generated dependencies file for test_cli_map_tsne.
# This may be replaced when dependencies are built.
