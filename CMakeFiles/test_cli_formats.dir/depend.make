# Empty dependencies file for test_cli_formats.
# This may be replaced when dependencies are built.
