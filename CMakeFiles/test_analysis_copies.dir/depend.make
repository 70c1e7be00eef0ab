# Empty dependencies file for test_analysis_copies.
# This may be replaced when dependencies are built.
