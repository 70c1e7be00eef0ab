file(REMOVE_RECURSE
  "CMakeFiles/test_core_determinism.dir/tests/check.c.o"
  "CMakeFiles/test_core_determinism.dir/tests/check.c.o.d"
  "CMakeFiles/test_core_determinism.dir/tests/test_core_determinism.c.o"
  "CMakeFiles/test_core_determinism.dir/tests/test_core_determinism.c.o.d"
  "test_core_determinism"
  "test_core_determinism.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_core_determinism.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
