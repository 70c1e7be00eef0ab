# Empty dependencies file for test_features_clip_cli.
# This may be replaced when dependencies are built.
