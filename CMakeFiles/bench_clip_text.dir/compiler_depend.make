# Empty compiler generated dependencies file for bench_clip_text.
# This may be replaced when dependencies are built.
