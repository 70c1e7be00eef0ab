file(REMOVE_RECURSE
  "CMakeFiles/test_cli_zeroshot_labels.dir/tests/check.c.o"
  "CMakeFiles/test_cli_zeroshot_labels.dir/tests/check.c.o.d"
  "CMakeFiles/test_cli_zeroshot_labels.dir/tests/test_cli_zeroshot_labels.c.o"
  "CMakeFiles/test_cli_zeroshot_labels.dir/tests/test_cli_zeroshot_labels.c.o.d"
  "test_cli_zeroshot_labels"
  "test_cli_zeroshot_labels.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_zeroshot_labels.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
