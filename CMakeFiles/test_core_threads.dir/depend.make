# Empty dependencies file for test_core_threads.
# This may be replaced when dependencies are built.
