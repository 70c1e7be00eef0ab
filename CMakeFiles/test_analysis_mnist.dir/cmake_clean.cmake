file(REMOVE_RECURSE
  "CMakeFiles/test_analysis_mnist.dir/tests/check.c.o"
  "CMakeFiles/test_analysis_mnist.dir/tests/check.c.o.d"
  "CMakeFiles/test_analysis_mnist.dir/tests/test_analysis_mnist.c.o"
  "CMakeFiles/test_analysis_mnist.dir/tests/test_analysis_mnist.c.o.d"
  "test_analysis_mnist"
  "test_analysis_mnist.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_analysis_mnist.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
