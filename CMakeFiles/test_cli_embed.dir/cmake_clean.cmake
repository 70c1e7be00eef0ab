file(REMOVE_RECURSE
  "CMakeFiles/test_cli_embed.dir/tests/check.c.o"
  "CMakeFiles/test_cli_embed.dir/tests/check.c.o.d"
  "CMakeFiles/test_cli_embed.dir/tests/test_cli_embed.c.o"
  "CMakeFiles/test_cli_embed.dir/tests/test_cli_embed.c.o.d"
  "test_cli_embed"
  "test_cli_embed.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cli_embed.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
