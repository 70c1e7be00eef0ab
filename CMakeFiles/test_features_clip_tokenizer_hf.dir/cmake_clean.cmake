file(REMOVE_RECURSE
  "CMakeFiles/test_features_clip_tokenizer_hf.dir/tests/check.c.o"
  "CMakeFiles/test_features_clip_tokenizer_hf.dir/tests/check.c.o.d"
  "CMakeFiles/test_features_clip_tokenizer_hf.dir/tests/test_features_clip_tokenizer_hf.c.o"
  "CMakeFiles/test_features_clip_tokenizer_hf.dir/tests/test_features_clip_tokenizer_hf.c.o.d"
  "test_features_clip_tokenizer_hf"
  "test_features_clip_tokenizer_hf.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_features_clip_tokenizer_hf.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
