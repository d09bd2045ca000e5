# cmake -DCC=compiler -DSRC=file.c -DINCLUDE=dir -P compile_check.cmake
#
# A source with "// expect: REGEX" lines must fail to compile, and the
# compiler's output must match every REGEX. A source without them must
# compile with -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes.
# "// flags: ..." adds flags (e.g. -w, to show a check survives it).
file(STRINGS ${SRC} expects REGEX "^// expect: ")
file(STRINGS ${SRC} flag_lines REGEX "^// flags: ")
set(flags -std=gnu11 -fsyntax-only -I${INCLUDE})
if(NOT expects)
  list(APPEND flags -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes)
endif()
foreach(line ${flag_lines})
  string(REGEX REPLACE "^// flags: " "" f "${line}")
  separate_arguments(f UNIX_COMMAND "${f}")
  list(APPEND flags ${f})
endforeach()

execute_process(COMMAND ${CC} ${flags} ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message("${CC} ${flags} ${SRC}: exit ${rc}\n${out}")

if(NOT expects)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "FAIL: ${SRC} must compile")
  endif()
  message("PASS: compiles")
  return()
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "FAIL: ${SRC} compiled, it must not")
endif()
foreach(line ${expects})
  string(REGEX REPLACE "^// expect: " "" re "${line}")
  if(NOT out MATCHES "${re}")
    message(FATAL_ERROR "FAIL: the compiler's output lacks /${re}/")
  endif()
endforeach()
message("PASS: fails with the expected diagnostics")
