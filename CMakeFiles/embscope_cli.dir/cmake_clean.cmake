file(REMOVE_RECURSE
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_analyze.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_analyze.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_clip.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_clip.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_cluster.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_cluster.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_dups.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_dups.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_embed.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_embed.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_map.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_map.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_neighbors.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_neighbors.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_report.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_report.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_search.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/cmd_search.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/common.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/common.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/main.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/main.c.o.d"
  "CMakeFiles/embscope_cli.dir/src/cli/options.c.o"
  "CMakeFiles/embscope_cli.dir/src/cli/options.c.o.d"
  "embscope"
  "embscope.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/embscope_cli.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
