
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/cli/cmd_analyze.c" "CMakeFiles/embscope_cli.dir/src/cli/cmd_analyze.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/cmd_analyze.c.o.d"
  "/work/main/src/cli/cmd_clip.c" "CMakeFiles/embscope_cli.dir/src/cli/cmd_clip.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/cmd_clip.c.o.d"
  "/work/main/src/cli/cmd_cluster.c" "CMakeFiles/embscope_cli.dir/src/cli/cmd_cluster.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/cmd_cluster.c.o.d"
  "/work/main/src/cli/cmd_dups.c" "CMakeFiles/embscope_cli.dir/src/cli/cmd_dups.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/cmd_dups.c.o.d"
  "/work/main/src/cli/cmd_embed.c" "CMakeFiles/embscope_cli.dir/src/cli/cmd_embed.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/cmd_embed.c.o.d"
  "/work/main/src/cli/cmd_map.c" "CMakeFiles/embscope_cli.dir/src/cli/cmd_map.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/cmd_map.c.o.d"
  "/work/main/src/cli/cmd_neighbors.c" "CMakeFiles/embscope_cli.dir/src/cli/cmd_neighbors.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/cmd_neighbors.c.o.d"
  "/work/main/src/cli/cmd_report.c" "CMakeFiles/embscope_cli.dir/src/cli/cmd_report.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/cmd_report.c.o.d"
  "/work/main/src/cli/cmd_search.c" "CMakeFiles/embscope_cli.dir/src/cli/cmd_search.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/cmd_search.c.o.d"
  "/work/main/src/cli/common.c" "CMakeFiles/embscope_cli.dir/src/cli/common.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/common.c.o.d"
  "/work/main/src/cli/main.c" "CMakeFiles/embscope_cli.dir/src/cli/main.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/main.c.o.d"
  "/work/main/src/cli/options.c" "CMakeFiles/embscope_cli.dir/src/cli/options.c.o" "gcc" "CMakeFiles/embscope_cli.dir/src/cli/options.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/CMakeFiles/embscope.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
