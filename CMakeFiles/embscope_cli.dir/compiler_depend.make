# Empty compiler generated dependencies file for embscope_cli.
# This may be replaced when dependencies are built.
