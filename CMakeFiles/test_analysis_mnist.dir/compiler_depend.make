# Empty compiler generated dependencies file for test_analysis_mnist.
# This may be replaced when dependencies are built.
