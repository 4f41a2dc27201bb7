include(CMakePackageConfigHelpers)

install(TARGETS teleport EXPORT teleportTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/teleport DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT teleportTargets NAMESPACE teleport::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/teleport)

configure_package_config_file(cmake/teleportConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/teleportConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/teleport)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/teleportConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/teleportConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/teleportConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/teleport)

configure_file(cmake/teleport.pc.in ${CMAKE_CURRENT_BINARY_DIR}/teleport.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/teleport.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
