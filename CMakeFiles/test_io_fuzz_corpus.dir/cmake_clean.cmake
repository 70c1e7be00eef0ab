file(REMOVE_RECURSE
  "CMakeFiles/test_io_fuzz_corpus.dir/tests/check.c.o"
  "CMakeFiles/test_io_fuzz_corpus.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_fuzz_corpus.dir/tests/test_io_fuzz_corpus.c.o"
  "CMakeFiles/test_io_fuzz_corpus.dir/tests/test_io_fuzz_corpus.c.o.d"
  "test_io_fuzz_corpus"
  "test_io_fuzz_corpus.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_fuzz_corpus.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
