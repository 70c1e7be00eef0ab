# Empty compiler generated dependencies file for embscope.
# This may be replaced when dependencies are built.
