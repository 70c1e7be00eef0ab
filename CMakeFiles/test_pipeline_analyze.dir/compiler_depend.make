# Empty compiler generated dependencies file for test_pipeline_analyze.
# This may be replaced when dependencies are built.
