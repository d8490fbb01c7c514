// A plugin's library stays loaded while any object it made lives.
#include <boost/test/unit_test.hpp>

#include <dlfcn.h>

#include <nlohmann/json.hpp>

#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"
#include "temp_dir.h"

using namespace cairn;

namespace {

// RTLD_NOLOAD: a handle only if the library is mapped now; never loads it.
bool is_mapped(const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  ::dlclose(handle);
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plugin_lifetime)

BOOST_AUTO_TEST_CASE(objects_keep_their_library_after_the_host_is_gone) {
  TempDir dir;
  const std::string library = dir / "libcairn-tp_a_good.so";
  std::filesystem::copy_file(std::string(CAIRN_TEST_PLUGIN_DIR) + "/libcairn-tp_a_good.so", library);
  write_file(dir / "payload.bin", "twelve bytes");

  auto host = std::make_unique<EngineHost>();
  BOOST_TEST_REQUIRE(host->load_file(library));
  std::shared_ptr<ObjectStore> store = host->open_store_for_uri(Uri::parse("tst://bucket"), nullptr);
  host.reset();

  BOOST_TEST(is_mapped(library));
  // Every call runs code that exists only in the plugin library.
  BOOST_TEST(store->get_uri("a/b") == "tst://bucket/a/b");
  store->upload_object("a/b", dir / "payload.bin");
  BOOST_TEST(store->get_object_size("a/b") == 12u);

  store.reset();
  BOOST_TEST(!is_mapped(library));  // the last object took the library with it
}

BOOST_AUTO_TEST_CASE(a_refused_plugin_is_unloaded) {
  TempDir dir;
  const std::string library = dir / "libcairn-tp_throws.so";
  std::filesystem::copy_file(std::string(CAIRN_TEST_PLUGIN_DIR) + "/libcairn-tp_throws.so", library);
  EngineHost host;
  BOOST_TEST(!host.load_file(library));
  BOOST_TEST(!is_mapped(library));
}

BOOST_AUTO_TEST_SUITE_END()
