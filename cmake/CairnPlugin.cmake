# cairn_add_plugin(<name> [NO_TORCH] <sources>...)
#
# Builds a Cairn plugin: a shared library with hidden visibility (only the
# entry point is exported). By default it links the SDK's training layer
# (Cairn::sdk, which brings LibTorch); NO_TORCH links the core layer alone
# (Cairn::sdk_core), for a plugin that never touches a tensor, such as an
# object store: it builds without LibTorch, does not load libtorch, and its
# descriptor says so, so any cairn of the same SDK ABI loads it. Used in-tree
# and by the installed CairnSDK package. In-tree plugins land in the build's
# plugin folder so the `cairn` binary next to them finds them without flags.
function(cairn_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_TORCH" "" "")
  if(arg_NO_TORCH)
    set(sdk_target cairn_sdk_core)
  else()
    set(sdk_target cairn_sdk)
  endif()
  if(NOT TARGET ${sdk_target})
    string(REPLACE "cairn_" "Cairn::" sdk_target ${sdk_target})
  endif()
  if(NOT TARGET ${sdk_target})
    message(FATAL_ERROR "cairn_add_plugin(${name}): ${sdk_target}, the SDK's training layer, needs LibTorch, which "
                        "was not found; install libtorch-dev, or pass NO_TORCH for a plugin that uses no tensors")
  endif()
  add_library(${name} MODULE ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${sdk_target})
  if(arg_NO_TORCH)
    # Read by cairn/plugin.h: the descriptor says "no LibTorch".
    target_compile_definitions(${name} PRIVATE CAIRN_PLUGIN_NO_TORCH)
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
