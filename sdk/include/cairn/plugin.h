// The plugin entry point.
//
// A plugin is a shared library exporting exactly one C symbol,
// `cairn_plugin_descriptor`, that returns a pointer to a static descriptor.
// The host reads the descriptor's layout and `abi_version` first, then, for a
// plugin that uses LibTorch, `torch_version`, and `cxx_abi`; it calls nothing
// unless they match its own, and then it calls `register_fn`.
//
//   #include <cairn/plugin.h>
//   static void register_me(cairn::Registrar& r) { r.add_model("mlp", ..., "..."); }
//   CAIRN_PLUGIN("mlp", "1.0.0", "A small MLP classifier", register_me)
//
// Build with the CairnSDK CMake package: cairn_add_plugin(name sources...), or
// cairn_add_plugin(name NO_TORCH sources...) for a plugin that moves bytes and
// never touches a tensor (an object store): it links the SDK core alone, needs
// no LibTorch to build, and loads into a cairn built against any LibTorch.
#pragma once

#include <cstdint>

// cairn_add_plugin(NAME NO_TORCH ...) defines CAIRN_PLUGIN_NO_TORCH. Without it a
// plugin is taken to use LibTorch, the safe assumption: the host then checks
// that its LibTorch is the one the plugin was built against.
#if defined(CAIRN_PLUGIN_NO_TORCH)
#define CAIRN_PLUGIN_TORCH_VERSION ""
#define CAIRN_PLUGIN_FLAGS 0u
#elif __has_include(<torch/csrc/api/include/torch/version.h>)
#include <torch/csrc/api/include/torch/version.h>
#define CAIRN_PLUGIN_TORCH_VERSION TORCH_VERSION
#define CAIRN_PLUGIN_FLAGS CAIRN_PLUGIN_FLAG_USES_TORCH
#else
#error "cairn/plugin.h: LibTorch's headers are not in reach; a plugin without LibTorch defines CAIRN_PLUGIN_NO_TORCH (cairn_add_plugin(NAME NO_TORCH ...) does)"
#endif

#include "cairn/export.h"
#include "cairn/registrar.h"
#include "cairn/version.h"

extern "C" {

// Layout 1 (Cairn 0.1): no layout field; the 4 bytes after abi_version are the
// zero padding before torch_version. Every layout-1 plugin uses LibTorch.
struct cairn_plugin_descriptor_v1 {
  uint32_t abi_version;       // CAIRN_SDK_ABI_VERSION the plugin was built with
  const char* torch_version;  // TORCH_VERSION the plugin was built with
  const char* cxx_abi;        // CAIRN_CXX_ABI_TAG the plugin was built with
  const char* name;
  const char* version;
  const char* description;
  void (*register_fn)(cairn::Registrar& registrar);
};

#define CAIRN_PLUGIN_DESCRIPTOR_LAYOUT 2u
#define CAIRN_PLUGIN_FLAG_USES_TORCH 1u

// Layout 2 and later. `layout` sits where layout 1 has padding, so a host tells
// the two apart; `size` lets a newer host read an older plugin's descriptor:
// fields are only ever appended, and a field past `size` is absent.
struct cairn_plugin_descriptor_v2 {
  uint32_t abi_version;       // CAIRN_SDK_ABI_VERSION the plugin was built with
  uint32_t layout;            // CAIRN_PLUGIN_DESCRIPTOR_LAYOUT the plugin was built with
  uint32_t size;              // sizeof(cairn_plugin_descriptor_v2) as the plugin saw it
  uint32_t flags;             // CAIRN_PLUGIN_FLAG_* bits
  const char* torch_version;  // TORCH_VERSION, or "" for a plugin without LibTorch
  const char* cxx_abi;        // CAIRN_CXX_ABI_TAG the plugin was built with
  const char* name;
  const char* version;
  const char* description;
  void (*register_fn)(cairn::Registrar& registrar);
};

// The entry point returns the descriptor as untyped memory: which struct it is
// is read from its first fields.
typedef const void* (*cairn_plugin_entry_fn)();
}

#define CAIRN_PLUGIN_ENTRY_SYMBOL "cairn_plugin_descriptor"

#define CAIRN_PLUGIN(NAME, VERSION, DESCRIPTION, REGISTER_FN)                                            \
  extern "C" CAIRN_EXPORT const void* cairn_plugin_descriptor() {                                       \
    static const cairn_plugin_descriptor_v2 descriptor = {                                              \
        CAIRN_SDK_ABI_VERSION, CAIRN_PLUGIN_DESCRIPTOR_LAYOUT, sizeof(cairn_plugin_descriptor_v2),    \
        CAIRN_PLUGIN_FLAGS,    CAIRN_PLUGIN_TORCH_VERSION,     CAIRN_CXX_ABI_TAG,                     \
        NAME,                  VERSION,                        DESCRIPTION,                           \
        REGISTER_FN};                                                                                   \
    return &descriptor;                                                                                 \
  }
