# Empty dependencies file for test_core_gemm.
# This may be replaced when dependencies are built.
