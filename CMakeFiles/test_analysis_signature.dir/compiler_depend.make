# Empty compiler generated dependencies file for test_analysis_signature.
# This may be replaced when dependencies are built.
