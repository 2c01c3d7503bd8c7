# switchboard_add_plugin(): builds a plugin as a MODULE library against switchboard::sdk.
# Installed with the SDK, so out-of-tree plugins use the same helper.
#
#   switchboard_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>]
#                          [OUTPUT_DIRECTORY <dir>] [INSTALL_DIRECTORY <dir>])
#
# Produces "switchboard_<name>.so" with hidden visibility: only the entry point is exported.
include_guard(GLOBAL)

function(switchboard_add_plugin name)
  cmake_parse_arguments(arg "" "OUTPUT_DIRECTORY;INSTALL_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "switchboard_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE switchboard::sdk ${arg_LIBRARIES})
  target_compile_features(${name} PRIVATE cxx_std_20)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "switchboard_${name}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Export only the entry point: no stray symbols (Boost's, or GNU unique ones that would make
  # the library impossible to unload) leak out of the plugin.
  set(version_script "${CMAKE_CURRENT_BINARY_DIR}/${name}_exports.map")
  file(WRITE "${version_script}" "{ global: switchboard_plugin; local: *; };\n")
  target_link_options(${name} PRIVATE "LINKER:--version-script=${version_script}")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${version_script}")
  if(TARGET switchboard_warnings)
    target_link_libraries(${name} PRIVATE switchboard_warnings)
  endif()
  if(arg_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIRECTORY}")
  elseif(DEFINED SWITCHBOARD_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${SWITCHBOARD_PLUGIN_OUTPUT_DIR}")
  endif()
  if(arg_INSTALL_DIRECTORY)
    install(TARGETS ${name} LIBRARY DESTINATION "${arg_INSTALL_DIRECTORY}")
  endif()
endfunction()
