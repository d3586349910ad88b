# Stamps the tool version and the git commit into every result file (see src/utils/version.h).
execute_process(
  COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE KVB_GIT_COMMIT
  OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET)
if(NOT KVB_GIT_COMMIT)
  set(KVB_GIT_COMMIT "unknown")
endif()
execute_process(
  COMMAND git status --porcelain --untracked-files=no
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE KVB_GIT_DIRTY_OUT
  OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET)
if(KVB_GIT_DIRTY_OUT)
  set(KVB_GIT_COMMIT "${KVB_GIT_COMMIT}-dirty")
endif()
configure_file(${CMAKE_SOURCE_DIR}/src/utils/version.cpp.in ${CMAKE_BINARY_DIR}/generated/version.cpp @ONLY)
