file(REMOVE_RECURSE
  "CMakeFiles/test_features_clip_cli.dir/tests/check.c.o"
  "CMakeFiles/test_features_clip_cli.dir/tests/check.c.o.d"
  "CMakeFiles/test_features_clip_cli.dir/tests/test_features_clip_cli.c.o"
  "CMakeFiles/test_features_clip_cli.dir/tests/test_features_clip_cli.c.o.d"
  "test_features_clip_cli"
  "test_features_clip_cli.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_features_clip_cli.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
