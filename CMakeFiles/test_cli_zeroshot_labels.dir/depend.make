# Empty dependencies file for test_cli_zeroshot_labels.
# This may be replaced when dependencies are built.
