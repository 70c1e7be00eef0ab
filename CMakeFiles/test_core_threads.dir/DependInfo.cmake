
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tests/check.c" "CMakeFiles/test_core_threads.dir/tests/check.c.o" "gcc" "CMakeFiles/test_core_threads.dir/tests/check.c.o.d"
  "/work/main/tests/test_core_threads.c" "CMakeFiles/test_core_threads.dir/tests/test_core_threads.c.o" "gcc" "CMakeFiles/test_core_threads.dir/tests/test_core_threads.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/CMakeFiles/embscope.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
