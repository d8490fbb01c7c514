// Test plugins whose descriptor claims another SDK ABI, LibTorch or C++ ABI.
// Built three times with TEST_ABI / TEST_TORCH / TEST_CXX_ABI set; the loader
// must refuse each before calling register_fn (which would abort the test).
#include <cstdlib>

#include "cairn/plugin.h"

#ifndef TEST_ABI
#define TEST_ABI CAIRN_SDK_ABI_VERSION
#endif
#ifndef TEST_TORCH
#define TEST_TORCH TORCH_VERSION
#endif
#ifndef TEST_CXX_ABI
#define TEST_CXX_ABI CAIRN_CXX_ABI_TAG
#endif

namespace {
void must_not_be_called(cairn::Registrar&) { std::abort(); }
}  // namespace

extern "C" CAIRN_EXPORT const void* cairn_plugin_descriptor() {
  static const cairn_plugin_descriptor_v2 descriptor = {
      TEST_ABI,     CAIRN_PLUGIN_DESCRIPTOR_LAYOUT, sizeof(cairn_plugin_descriptor_v2), CAIRN_PLUGIN_FLAG_USES_TORCH,
      TEST_TORCH,   TEST_CXX_ABI,                   TEST_PLUGIN_NAME,                    "0.0.1",
      "test plugin with a wrong version",           must_not_be_called};
  return &descriptor;
}
