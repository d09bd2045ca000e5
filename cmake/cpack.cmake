# Debian packages, one per install component (cmake/install.cmake):
#
#   libremora0     the shared library (lib)
#   libremora-dev  headers, libremora.so, remora.pc, the CMake package (dev)
#   remora         remora and remorad, the preload libraries, man pages,
#                  bash completion (cli)
#
# Built with `cpack -G DEB` in the build directory (scripts/deb.sh builds
# and checks them with dpkg-deb and lintian). Each package carries the
# copyright file and changelog Debian policy asks for.
set(CPACK_PACKAGE_NAME remora)
set(CPACK_PACKAGE_VENDOR "the remora authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "remora maintainers <maintainers@users.noreply.b-seed-a1cba143.example>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${CPACK_PACKAGE_CONTACT})
# Each package's description below starts with its own summary line; CPack
# prepends the project-wide summary unless it is CPack's default one.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL lib dev cli)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# the preload libraries link libremora.so.0 of the libremora0 package, a
# dependency stated by hand below
get_target_property(remora_lib_dir remora BINARY_DIR)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${remora_lib_dir})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/remora-tracer/remora")
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS OFF)

set(deb_version "${PROJECT_VERSION}")
set(CPACK_DEBIAN_LIB_PACKAGE_NAME libremora0)
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIB_DESCRIPTION "user-space tracer for hostile hosts - shared library
libremora is linked into (or preloaded by remora record into) a program
that declares trace events with REMORA_EVENT. Events go through a
crash-proof shared-memory arena to a consumer that writes CTF 1.8.")
# a shlibs file for libremora.so.0 (the preload libraries have no soname
# version and are left out), and the ldconfig trigger policy asks for
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/deb/triggers)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libremora-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libremora0 (= ${deb_version})")
set(CPACK_DEBIAN_DEV_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_DEV_DESCRIPTION "user-space tracer for hostile hosts - development files
The headers (remora/remora.h: REMORA_EVENT, remora_trace, remora_printf,
remora_enabled), the pkg-config file and the CMake package
(find_package(remora), target remora::remora).")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME remora)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "libremora0 (= ${deb_version})")
set(CPACK_DEBIAN_CLI_PACKAGE_RECOMMENDS "babeltrace2")
set(CPACK_DEBIAN_CLI_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/deb/triggers)
set(CPACK_DEBIAN_CLI_DESCRIPTION "user-space tracer for hostile hosts - commands
remora records programs that close every fd, fork a lot, own every
signal or sandbox themselves, and producers that get killed mid-write,
as CTF 1.8 traces (babeltrace2, Trace Compass). This package holds the
remora command, the per-user daemon remorad, the LD_PRELOAD libraries,
the man pages and the bash completion.")

# copyright and changelog.Debian.gz in /usr/share/doc/PACKAGE of each one
include(${PROJECT_SOURCE_DIR}/cmake/git_describe.cmake)
string(TIMESTAMP DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
if(DEFINED REMORA_GIT_DESCRIBE AND NOT REMORA_GIT_DESCRIBE STREQUAL "")
  set(REMORA_GIT_DESCRIBE_OR_NONE "git ${REMORA_GIT_DESCRIBE}")
else()
  set(REMORA_GIT_DESCRIBE_OR_NONE "not from a git checkout")
endif()
find_program(GZIP gzip)
foreach(comp LIB DEV CLI)
  set(PKG ${CPACK_DEBIAN_${comp}_PACKAGE_NAME})
  string(TOLOWER ${comp} component)
  set(docdir ${PROJECT_BINARY_DIR}/deb-doc/${PKG})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/deb/copyright.in ${docdir}/copyright @ONLY)
  # a native package (no Debian revision): changelog.gz
  configure_file(${PROJECT_SOURCE_DIR}/cmake/deb/changelog.in ${docdir}/changelog @ONLY)
  execute_process(COMMAND ${GZIP} -9nf ${docdir}/changelog)
  install(FILES ${docdir}/copyright ${docdir}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${PKG} COMPONENT ${component} EXCLUDE_FROM_ALL)
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/cmake/deb/remora.lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME remora
        COMPONENT cli EXCLUDE_FROM_ALL)

include(CPack)
