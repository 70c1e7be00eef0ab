# Empty compiler generated dependencies file for test_cli_whole_images.
# This may be replaced when dependencies are built.
