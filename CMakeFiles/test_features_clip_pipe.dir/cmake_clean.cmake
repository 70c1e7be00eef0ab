file(REMOVE_RECURSE
  "CMakeFiles/test_features_clip_pipe.dir/tests/check.c.o"
  "CMakeFiles/test_features_clip_pipe.dir/tests/check.c.o.d"
  "CMakeFiles/test_features_clip_pipe.dir/tests/test_features_clip_pipe.c.o"
  "CMakeFiles/test_features_clip_pipe.dir/tests/test_features_clip_pipe.c.o.d"
  "test_features_clip_pipe"
  "test_features_clip_pipe.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_features_clip_pipe.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
