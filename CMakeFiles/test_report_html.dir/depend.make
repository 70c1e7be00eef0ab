# Empty dependencies file for test_report_html.
# This may be replaced when dependencies are built.
