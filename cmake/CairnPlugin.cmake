# cairn_add_plugin(<name> <sources>...)
#
# Builds a Cairn plugin: a shared library with hidden visibility (only the
# entry point is exported), linked against the SDK. Used in-tree and by the
# installed CairnSDK package. In-tree plugins land in the build's plugin folder
# so the `cairn` binary next to them finds them without flags.
function(cairn_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  if(TARGET cairn_sdk)
    target_link_libraries(${name} PRIVATE cairn_sdk)
  else()
    target_link_libraries(${name} PRIVATE Cairn::sdk)
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX "libcairn-"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(DEFINED CAIRN_PLUGIN_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CAIRN_PLUGIN_OUTPUT_DIRECTORY})
    install(TARGETS ${name} LIBRARY DESTINATION ${CAIRN_PLUGIN_SUBDIR})
  elseif(DEFINED CAIRN_PLUGIN_INSTALL_DIR)
    install(TARGETS ${name} LIBRARY DESTINATION ${CAIRN_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
