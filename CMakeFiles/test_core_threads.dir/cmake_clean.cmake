file(REMOVE_RECURSE
  "CMakeFiles/test_core_threads.dir/tests/check.c.o"
  "CMakeFiles/test_core_threads.dir/tests/check.c.o.d"
  "CMakeFiles/test_core_threads.dir/tests/test_core_threads.c.o"
  "CMakeFiles/test_core_threads.dir/tests/test_core_threads.c.o.d"
  "test_core_threads"
  "test_core_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_core_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
