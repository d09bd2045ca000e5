# Installs libremora.so (with its SONAME), the public headers, the remora
# and remorad binaries, remora.pc and a CMake package: find_package(remora)
# gives the imported target remora::remora.
include(CMakePackageConfigHelpers)

install(TARGETS remora EXPORT remoraTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# LD_PRELOAD libraries, next to libremora (`remora record --preload` looks there).
foreach(lib remora_preload_libc remora_preload_cyg)
  if(TARGET ${lib})
    install(TARGETS ${lib} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  endif()
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/remora DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(bin remora_cli remorad)
  if(TARGET ${bin})
    install(TARGETS ${bin} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

# Relocatable: the .pc file finds the prefix from its own location.
file(RELATIVE_PATH PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/remora.pc.in ${PROJECT_BINARY_DIR}/remora.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/remora.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

set(cfgdir ${CMAKE_INSTALL_LIBDIR}/cmake/remora)
install(EXPORT remoraTargets NAMESPACE remora:: DESTINATION ${cfgdir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/remoraConfig.cmake.in
  ${PROJECT_BINARY_DIR}/remoraConfig.cmake INSTALL_DESTINATION ${cfgdir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/remoraConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/remoraConfig.cmake ${PROJECT_BINARY_DIR}/remoraConfigVersion.cmake
        DESTINATION ${cfgdir})
