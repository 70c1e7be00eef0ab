file(REMOVE_RECURSE
  "CMakeFiles/test_features_embed_twice.dir/tests/check.c.o"
  "CMakeFiles/test_features_embed_twice.dir/tests/check.c.o.d"
  "CMakeFiles/test_features_embed_twice.dir/tests/test_features_embed_twice.c.o"
  "CMakeFiles/test_features_embed_twice.dir/tests/test_features_embed_twice.c.o.d"
  "test_features_embed_twice"
  "test_features_embed_twice.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_features_embed_twice.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
