# Installs libremora.so (with its SONAME), the public headers, the remora
# and remorad binaries, remora.pc and a CMake package: find_package(remora)
# gives the imported target remora::remora. Each file belongs to one
# component, one Debian package each (cmake/cpack.cmake): lib (libremora0:
# the shared library), dev (libremora-dev: headers, the .so link,
# pkg-config and CMake files), cli (remora: the commands, the preload
# libraries, man pages, bash completion).
include(CMakePackageConfigHelpers)

install(TARGETS remora EXPORT remoraTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
# LD_PRELOAD libraries, next to libremora (`remora record --preload` looks there).
foreach(lib remora_preload_libc remora_preload_cyg)
  if(TARGET ${lib})
    install(TARGETS ${lib} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT cli)
  endif()
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/remora DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev)
foreach(bin remora_cli remorad)
  if(TARGET ${bin})
    install(TARGETS ${bin} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
  endif()
endforeach()

# Relocatable: the .pc file finds the prefix from its own location.
file(RELATIVE_PATH PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/remora.pc.in ${PROJECT_BINARY_DIR}/remora.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/remora.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)

set(cfgdir ${CMAKE_INSTALL_LIBDIR}/cmake/remora)
install(EXPORT remoraTargets NAMESPACE remora:: DESTINATION ${cfgdir} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/remoraConfig.cmake.in
  ${PROJECT_BINARY_DIR}/remoraConfig.cmake INSTALL_DESTINATION ${cfgdir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/remoraConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/remoraConfig.cmake ${PROJECT_BINARY_DIR}/remoraConfigVersion.cmake
        DESTINATION ${cfgdir} COMPONENT dev)

# Completion derived from `remora --help` at completion time (new verbs
# need no edit there).
install(FILES ${PROJECT_SOURCE_DIR}/scripts/completion/remora
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT cli)

include(${PROJECT_SOURCE_DIR}/cmake/cpack.cmake)
