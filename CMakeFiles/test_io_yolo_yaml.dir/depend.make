# Empty dependencies file for test_io_yolo_yaml.
# This may be replaced when dependencies are built.
