include(CMakePackageConfigHelpers)

set(TELEPORT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/teleport)
install(TARGETS teleport EXPORT teleportTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/teleport DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT teleportTargets NAMESPACE teleport:: DESTINATION ${TELEPORT_CMAKE_DIR})

# Each component in its own export set, loaded by teleportConfig.cmake only when asked for, so
# that a user of the core needs none of the component's dependencies.
get_property(TELEPORT_COMPONENTS GLOBAL PROPERTY TELEPORT_COMPONENTS)
foreach(component IN LISTS TELEPORT_COMPONENTS)
  install(TARGETS teleport_${component} EXPORT teleport_${component}Targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT teleport_${component}Targets NAMESPACE teleport:: DESTINATION ${TELEPORT_CMAKE_DIR})
endforeach()

configure_package_config_file(cmake/teleportConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/teleportConfig.cmake
  INSTALL_DESTINATION ${TELEPORT_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/teleportConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/teleportConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/teleportConfigVersion.cmake
        DESTINATION ${TELEPORT_CMAKE_DIR})

# pkg-config: teleport (the core) and teleport-<component> for each component.
if(TELEPORT_SHARED)
  set(TELEPORT_PC_PRIVATE "Requires.private")
  set(TELEPORT_PC_LINK_COMPONENT "-Wl,--no-as-needed")  # see teleport_component()
else()
  set(TELEPORT_PC_PRIVATE "Requires")  # a static archive needs its dependencies on the link line
endif()
configure_file(cmake/teleport.pc.in ${CMAKE_CURRENT_BINARY_DIR}/teleport.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/teleport.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
set(TELEPORT_PC_REQUIRES_thrift "thrift-z")
set(TELEPORT_PC_REQUIRES_config "yaml-cpp tomlplusplus")
set(TELEPORT_PC_REQUIRES_xml "pugixml")
set(TELEPORT_PC_REQUIRES_compress "libzstd liblz4")
set(TELEPORT_PC_REQUIRES_etcd "grpc++")
foreach(component IN LISTS TELEPORT_COMPONENTS)
  set(TELEPORT_PC_COMPONENT ${component})
  set(TELEPORT_PC_COMPONENT_REQUIRES ${TELEPORT_PC_REQUIRES_${component}})
  configure_file(cmake/teleport-component.pc.in
                 ${CMAKE_CURRENT_BINARY_DIR}/teleport-${component}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/teleport-${component}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# A Debian package of everything installed: cpack -G DEB (in the build folder).
set(CPACK_PACKAGE_NAME "libteleport-dev")
set(CPACK_PACKAGE_VENDOR "Teleport for C++")
set(CPACK_PACKAGE_CONTACT "Teleport for C++ developers <teleport@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Teleport for C++: a peer-to-peer socket framework wire-compatible with Go eRPC v7")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "libdevel")
# What find_package(teleport) and the components need on the user's machine (scripts/deps.sh's
# names); the components' libraries are recommended, not required.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libboost1.81-dev, libboost-json1.81-dev, libboost-url1.81-dev, libprotobuf-dev, zlib1g-dev, libssl-dev, libspdlog-dev, libfmt-dev")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "libthrift-dev, libyaml-cpp-dev, libtomlplusplus-dev, libpugixml-dev, libzstd-dev, liblz4-dev, libgrpc++-dev")
include(CPack)
