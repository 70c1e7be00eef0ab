# Empty compiler generated dependencies file for test_core_determinism.
# This may be replaced when dependencies are built.
