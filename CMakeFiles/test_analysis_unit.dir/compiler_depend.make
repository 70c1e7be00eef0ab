# Empty compiler generated dependencies file for test_analysis_unit.
# This may be replaced when dependencies are built.
