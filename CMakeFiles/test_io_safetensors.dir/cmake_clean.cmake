file(REMOVE_RECURSE
  "CMakeFiles/test_io_safetensors.dir/tests/check.c.o"
  "CMakeFiles/test_io_safetensors.dir/tests/check.c.o.d"
  "CMakeFiles/test_io_safetensors.dir/tests/test_io_safetensors.c.o"
  "CMakeFiles/test_io_safetensors.dir/tests/test_io_safetensors.c.o.d"
  "test_io_safetensors"
  "test_io_safetensors.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_io_safetensors.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
