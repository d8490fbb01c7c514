// Plugin host, shipped sample plugins, the local object store.
#define BOOST_TEST_MODULE plugins
#include <boost/test/unit_test.hpp>

#include "scoped_env.h"

// The tests pass every plugin folder explicitly; a CAIRN_PLUGIN_PATH from the
// environment would add plugins (and failures) they do not expect.
struct ClearPluginPath {
  ClearPluginPath() { env.unset("CAIRN_PLUGIN_PATH"); }
  cairn::test::ScopedEnv env;
};
BOOST_TEST_GLOBAL_FIXTURE(ClearPluginPath);
