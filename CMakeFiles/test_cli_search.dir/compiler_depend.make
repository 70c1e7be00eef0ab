# Empty compiler generated dependencies file for test_cli_search.
# This may be replaced when dependencies are built.
