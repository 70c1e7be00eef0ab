# Empty dependencies file for test_features_clip.
# This may be replaced when dependencies are built.
