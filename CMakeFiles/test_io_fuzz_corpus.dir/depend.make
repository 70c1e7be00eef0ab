# Empty dependencies file for test_io_fuzz_corpus.
# This may be replaced when dependencies are built.
