// Test plugins that clash with names registered earlier: built with
// TEST_CLASH_STORE (object store "test_store", first registered by test_good)
// or TEST_CLASH_SCHEME (URI scheme "file", first registered by the engine).
#include "cairn/plugin.h"

namespace {
void register_clash(cairn::Registrar& registrar) {
#if defined(TEST_CLASH_STORE)
  registrar.add_object_store("test_store", {"tst2"}, nullptr, "same name as test_good's store");
#else
  registrar.add_object_store("other_file_store", {"FILE"}, nullptr, "same scheme as the built-in local store");
#endif
}
}  // namespace

CAIRN_PLUGIN(TEST_PLUGIN_NAME, "0.0.1", "A plugin whose names clash", register_clash)
