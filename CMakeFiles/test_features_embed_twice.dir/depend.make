# Empty dependencies file for test_features_embed_twice.
# This may be replaced when dependencies are built.
