# Empty compiler generated dependencies file for test_analysis_labels.
# This may be replaced when dependencies are built.
