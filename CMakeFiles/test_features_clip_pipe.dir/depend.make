# Empty dependencies file for test_features_clip_pipe.
# This may be replaced when dependencies are built.
