file(REMOVE_RECURSE
  "CMakeFiles/test_features_clip_text.dir/tests/check.c.o"
  "CMakeFiles/test_features_clip_text.dir/tests/check.c.o.d"
  "CMakeFiles/test_features_clip_text.dir/tests/test_features_clip_text.c.o"
  "CMakeFiles/test_features_clip_text.dir/tests/test_features_clip_text.c.o.d"
  "test_features_clip_text"
  "test_features_clip_text.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_features_clip_text.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
