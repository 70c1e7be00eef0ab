file(REMOVE_RECURSE
  "CMakeFiles/test_features_clip_tokenizer.dir/tests/check.c.o"
  "CMakeFiles/test_features_clip_tokenizer.dir/tests/check.c.o.d"
  "CMakeFiles/test_features_clip_tokenizer.dir/tests/test_features_clip_tokenizer.c.o"
  "CMakeFiles/test_features_clip_tokenizer.dir/tests/test_features_clip_tokenizer.c.o.d"
  "test_features_clip_tokenizer"
  "test_features_clip_tokenizer.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_features_clip_tokenizer.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
