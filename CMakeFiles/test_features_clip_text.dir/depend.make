# Empty dependencies file for test_features_clip_text.
# This may be replaced when dependencies are built.
