# Empty compiler generated dependencies file for test_features_clip_tokenizer_hf.
# This may be replaced when dependencies are built.
