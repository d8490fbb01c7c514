# The torch precompiled header, and which files get it.
#
# cairn_torch_pch builds one precompiled header of <torch/torch.h> and
# <nlohmann/json.hpp>, which the engine's executables (tests, benchmarks)
# reuse (cairn_use_torch_pch). It only pays where a file includes all of
# torch.h: loading it costs about 12 s of CPU in every translation unit, even an
# empty one, while a file that includes only ATen, c10 or torch's narrower
# headers compiles 1.2-3x faster without it (cmake/torch_header_users.py has the
# figures). The engine library itself has no file that includes torch.h, so it
# uses none; cairn_limit_pch_to_torch_users, called once every target exists,
# turns the header off for every other file of the executables.

# The header's own target, after cairn_engine: compiled with the engine's usage
# requirements and exactly the flags of the executables that reuse it (GCC
# rejects a header built otherwise): -fPIC instead of CMake's -fPIE.
function(cairn_add_torch_pch)
  add_library(cairn_torch_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/torch_pch_anchor.cpp)
  target_link_libraries(cairn_torch_pch PRIVATE cairn_engine)
  set_target_properties(cairn_torch_pch PROPERTIES POSITION_INDEPENDENT_CODE OFF)
  target_compile_options(cairn_torch_pch PRIVATE -fPIC -Winvalid-pch)
  target_precompile_headers(cairn_torch_pch PRIVATE <torch/torch.h> <nlohmann/json.hpp>)
endfunction()

function(cairn_use_torch_pch target)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
  target_compile_options(${target} PRIVATE -fPIC -Winvalid-pch)
  target_precompile_headers(${target} REUSE_FROM cairn_torch_pch)
  set_property(GLOBAL APPEND PROPERTY CAIRN_PCH_TARGETS ${target})
endfunction()

# Without Python the header stays on for every file (slower, same result). The
# choice is made when CMake runs: a file that starts to include torch.h later
# only builds more slowly until the next configure.
function(cairn_limit_pch_to_torch_users)
  find_package(Python3 COMPONENTS Interpreter QUIET)
  if(NOT Python3_Interpreter_FOUND)
    message(STATUS "No Python: every file of the torch-using targets gets the precompiled header")
    return()
  endif()
  get_property(targets GLOBAL PROPERTY CAIRN_PCH_TARGETS)
  foreach(target ${targets})
    get_target_property(sources ${target} SOURCES)
    get_target_property(folder ${target} SOURCE_DIR)
    get_target_property(include_dirs ${target} INCLUDE_DIRECTORIES)
    set(roots)
    foreach(dir ${include_dirs})
      if(NOT dir MATCHES "\\$<" AND IS_DIRECTORY ${dir})
        list(APPEND roots ${dir})
      endif()
    endforeach()
    # Includes that reach it through the linked targets (the engine's, the SDK's).
    list(APPEND roots ${PROJECT_SOURCE_DIR}/engine ${PROJECT_SOURCE_DIR}/sdk/include
         ${PROJECT_SOURCE_DIR}/sdk/http/include ${PROJECT_SOURCE_DIR}/plugins/common)
    set(files)
    foreach(source ${sources})
      get_filename_component(path ${source} ABSOLUTE BASE_DIR ${folder})
      if(path MATCHES "\\.cpp$" AND EXISTS ${path})
        list(APPEND files ${path})
      endif()
    endforeach()
    if(NOT files)
      continue()
    endif()
    execute_process(
      COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/cmake/torch_header_users.py ${roots} -- ${files}
      OUTPUT_VARIABLE users RESULT_VARIABLE status)
    if(NOT status EQUAL 0)
      message(WARNING "cmake/torch_header_users.py failed for ${target}: its files keep the precompiled header")
      continue()
    endif()
    string(REPLACE "\n" ";" users "${users}")
    set(others ${files})
    if(users)
      list(REMOVE_ITEM others ${users})
    endif()
    if(others)
      set_source_files_properties(${others} TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
endfunction()
