# Empty compiler generated dependencies file for test_cli_analyze_npy.
# This may be replaced when dependencies are built.
