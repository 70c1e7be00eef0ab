# Empty compiler generated dependencies file for test_cli_embed.
# This may be replaced when dependencies are built.
