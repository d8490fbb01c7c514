// A store plugin whose descriptor is laid out as another SDK release would lay
// it out, registering store TEST_STORE for scheme TEST_SCHEME:
//   TEST_LAYOUT_1     Cairn 0.1's layout (no layout or size field, always LibTorch);
//   TEST_NO_TORCH     today's layout, built without LibTorch, claiming a LibTorch
//                     version this cairn does not have (which must not matter);
//   TEST_NEWER_LAYOUT a later layout with a field appended past today's end.
#include <memory>

#include "cairn/plugin.h"

namespace {
void register_store(cairn::Registrar& registrar) {
  registrar.add_object_store(TEST_STORE, {TEST_SCHEME}, nullptr, "a store whose descriptor has another layout");
}
}  // namespace

#if defined(TEST_LAYOUT_1)
#include <torch/csrc/api/include/torch/version.h>
extern "C" CAIRN_EXPORT const void* cairn_plugin_descriptor() {
  static const cairn_plugin_descriptor_v1 descriptor = {CAIRN_SDK_ABI_VERSION, TORCH_VERSION, CAIRN_CXX_ABI_TAG,
                                                        TEST_PLUGIN_NAME,      "0.1.0",       "layout 1",
                                                        register_store};
  return &descriptor;
}
#elif defined(TEST_NO_TORCH) || defined(TEST_NEWER_LAYOUT)
namespace {
struct NewerDescriptor {
  cairn_plugin_descriptor_v2 v2;
  const char* appended_field;
};
}  // namespace
extern "C" CAIRN_EXPORT const void* cairn_plugin_descriptor() {
#if defined(TEST_NO_TORCH)
  const uint32_t layout = CAIRN_PLUGIN_DESCRIPTOR_LAYOUT, size = sizeof(cairn_plugin_descriptor_v2), flags = 0;
  const char* torch = "99.0.0";
#else
  const uint32_t layout = CAIRN_PLUGIN_DESCRIPTOR_LAYOUT + 1, size = sizeof(NewerDescriptor),
                 flags = CAIRN_PLUGIN_FLAG_USES_TORCH | 0x100u;
  const char* torch = TORCH_VERSION;
#endif
  static const NewerDescriptor descriptor = {
      {CAIRN_SDK_ABI_VERSION, layout, size, flags, torch, CAIRN_CXX_ABI_TAG, TEST_PLUGIN_NAME, "0.3.0", "other layout",
       register_store},
      "a field this cairn does not know"};
  return &descriptor;
}
#endif
