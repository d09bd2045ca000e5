# REMORA_GIT_DESCRIBE: `git describe --always --dirty` of the source tree
# at configure time (re-run cmake to refresh it), or "" when the source is
# not a git checkout or git is missing (a release tarball, a .deb build).
find_package(Git QUIET)
set(REMORA_GIT_DESCRIBE "")
if(GIT_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE REMORA_GIT_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET RESULT_VARIABLE git_rc)
  if(NOT git_rc EQUAL 0)
    set(REMORA_GIT_DESCRIBE "")
  endif()
endif()
