// Plugin host, shipped sample plugins, the local object store.
#define BOOST_TEST_MODULE plugins
#include <boost/test/unit_test.hpp>

#include <cstdlib>

// The tests pass every plugin folder explicitly; a CAIRN_PLUGIN_PATH from the
// environment would add plugins (and failures) they do not expect.
struct ClearPluginPath {
  ClearPluginPath() { ::unsetenv("CAIRN_PLUGIN_PATH"); }
};
BOOST_TEST_GLOBAL_FIXTURE(ClearPluginPath);
