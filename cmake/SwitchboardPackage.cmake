# Installs the SDK as a CMake package: find_package(Switchboard) + switchboard_add_plugin().
include(CMakePackageConfigHelpers)
set(SWITCHBOARD_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/Switchboard")

install(TARGETS switchboard_sdk EXPORT SwitchboardTargets)
install(EXPORT SwitchboardTargets NAMESPACE switchboard:: DESTINATION "${SWITCHBOARD_CMAKE_INSTALL_DIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/SwitchboardConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/SwitchboardConfig.cmake"
  INSTALL_DESTINATION "${SWITCHBOARD_CMAKE_INSTALL_DIR}"
  PATH_VARS SWITCHBOARD_PLUGIN_INSTALL_DIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/SwitchboardConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/SwitchboardConfig.cmake"
  "${PROJECT_BINARY_DIR}/SwitchboardConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/SwitchboardPlugin.cmake"
  DESTINATION "${SWITCHBOARD_CMAKE_INSTALL_DIR}")
