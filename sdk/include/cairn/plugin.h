// The plugin entry point.
//
// A plugin is a shared library exporting exactly one C symbol,
// `cairn_plugin_descriptor`, that returns a pointer to a static descriptor.
// The host reads `abi_version`, `torch_version` and `cxx_abi` first and calls
// nothing else unless all three match its own; then it calls `register_fn`.
//
//   #include <cairn/plugin.h>
//   static void register_me(cairn::Registrar& r) { r.add_model("mlp", ..., "..."); }
//   CAIRN_PLUGIN("mlp", "1.0.0", "A small MLP classifier", register_me)
//
// Build with the CairnSDK CMake package: cairn_add_plugin(name sources...).
#pragma once

#include <cstdint>

#include <torch/csrc/api/include/torch/version.h>

#include "cairn/export.h"
#include "cairn/registrar.h"
#include "cairn/version.h"

extern "C" {

struct cairn_plugin_descriptor_v1 {
  uint32_t abi_version;       // CAIRN_SDK_ABI_VERSION the plugin was built with
  const char* torch_version;  // TORCH_VERSION the plugin was built with
  const char* cxx_abi;        // CAIRN_CXX_ABI_TAG the plugin was built with
  const char* name;
  const char* version;
  const char* description;
  void (*register_fn)(cairn::Registrar& registrar);
};

typedef const cairn_plugin_descriptor_v1* (*cairn_plugin_entry_fn)();
}

#define CAIRN_PLUGIN_ENTRY_SYMBOL "cairn_plugin_descriptor"

#define CAIRN_PLUGIN(NAME, VERSION, DESCRIPTION, REGISTER_FN)                                          \
  extern "C" CAIRN_EXPORT const cairn_plugin_descriptor_v1* cairn_plugin_descriptor() {                \
    static const cairn_plugin_descriptor_v1 descriptor = {CAIRN_SDK_ABI_VERSION, TORCH_VERSION,       \
                                                          CAIRN_CXX_ABI_TAG, NAME, VERSION,         \
                                                          DESCRIPTION, REGISTER_FN};                \
    return &descriptor;                                                                               \
  }
