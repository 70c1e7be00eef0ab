file(REMOVE_RECURSE
  "CMakeFiles/test_features_clip.dir/tests/check.c.o"
  "CMakeFiles/test_features_clip.dir/tests/check.c.o.d"
  "CMakeFiles/test_features_clip.dir/tests/test_features_clip.c.o"
  "CMakeFiles/test_features_clip.dir/tests/test_features_clip.c.o.d"
  "test_features_clip"
  "test_features_clip.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_features_clip.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
