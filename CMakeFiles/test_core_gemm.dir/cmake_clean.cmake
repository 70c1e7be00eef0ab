file(REMOVE_RECURSE
  "CMakeFiles/test_core_gemm.dir/tests/check.c.o"
  "CMakeFiles/test_core_gemm.dir/tests/check.c.o.d"
  "CMakeFiles/test_core_gemm.dir/tests/test_core_gemm.c.o"
  "CMakeFiles/test_core_gemm.dir/tests/test_core_gemm.c.o.d"
  "test_core_gemm"
  "test_core_gemm.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_core_gemm.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
