// Broken plugin files are reported one by one and do not stop the good ones.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/version.h>

#include "cairn/errors.h"
#include "cairn/registrar.h"
#include "cairn/version.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"
#include "scoped_env.h"
#include "temp_dir.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;

using namespace cairn;
namespace fs = std::filesystem;

namespace {

const char* const kTestPlugins[] = {"libcairn-tp_a_good.so",     "libcairn-tp_bad_abi.so",       "libcairn-tp_bad_cxxabi.so",
                                    "libcairn-tp_bad_torch.so",  "libcairn-tp_no_entry.so",      "libcairn-tp_throws.so",
                                    "libcairn-tp_z_dup_scheme.so", "libcairn-tp_z_dup_store.so"};

// A folder holding every test plugin plus a text file pretending to be one.
struct BrokenPluginDir {
  TempDir dir;
  BrokenPluginDir() {
    for (const char* name : kTestPlugins) fs::copy_file(fs::path(CAIRN_TEST_PLUGIN_DIR) / name, dir.path() / name);
    write_file(dir / "x.so", "this is not a shared library\n");
    write_file(dir / "notes.txt", "not a plugin candidate: wrong extension\n");
  }
};

std::string reason_for(const PluginHost& host, const std::string& file) {
  std::string reason;
  for (const auto& failure : host.failures()) {
    if (failure.file == file) reason += failure.reason;
  }
  return reason;
}

// load_all also searches the build's own plugin folder; only what came from
// the test folder counts here.
std::vector<PluginInfo> plugins_under(const PluginHost& host, const fs::path& folder) {
  std::vector<PluginInfo> found;
  for (const auto& plugin : host.plugins()) {
    if (fs::path(plugin.file).parent_path() == folder) found.push_back(plugin);
  }
  return found;
}

size_t failures_under(const PluginHost& host, const fs::path& folder) {
  size_t count = 0;
  for (const auto& failure : host.failures()) count += fs::path(failure.file).parent_path() == folder;
  return count;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(plugin_failures, BrokenPluginDir)

BOOST_AUTO_TEST_CASE(each_broken_file_is_reported_and_the_good_plugin_loads) {
  EngineHost host;
  host.load_all({dir.path().string()});

  const auto loaded = plugins_under(host, dir.path());
  BOOST_TEST_REQUIRE(loaded.size() == 1u);
  BOOST_TEST(loaded[0].name == "test_good");
  BOOST_TEST(loaded[0].version == "2.5.0");
  BOOST_TEST(loaded[0].file == dir / "libcairn-tp_a_good.so");
  BOOST_TEST_REQUIRE(loaded[0].entries.size() == 1u);
  BOOST_TEST((loaded[0].entries[0].uri_schemes == std::vector<std::string>{"tst"}));
  BOOST_TEST(host.handles_scheme("tst"));
  BOOST_TEST(failures_under(host, dir.path()) == 8u);  // every other file; notes.txt is no candidate

  std::string reason = reason_for(host, dir / "x.so");
  BOOST_TEST(contains(reason, "x.so is not a loadable shared library"), reason);
  BOOST_TEST((contains(reason, "ELF") || contains(reason, "too short")), reason);  // dlopen's own words

  reason = reason_for(host, dir / "libcairn-tp_no_entry.so");
  BOOST_TEST(contains(reason, "does not export cairn_plugin_descriptor; is it a Cairn plugin?"), reason);

  reason = reason_for(host, dir / "libcairn-tp_bad_abi.so");
  BOOST_TEST(contains(reason, "was built for Cairn SDK ABI 999, this cairn supports ABI " +
                                  std::to_string(CAIRN_SDK_ABI_VERSION) + "; rebuild the plugin"),
             reason);

  reason = reason_for(host, dir / "libcairn-tp_bad_torch.so");
  BOOST_TEST(contains(reason, "built against LibTorch 0.4.1, this cairn uses LibTorch " TORCH_VERSION), reason);

  reason = reason_for(host, dir / "libcairn-tp_bad_cxxabi.so");
  BOOST_TEST(contains(reason, "built for C++ ABI 'msvc-v143', this cairn uses '" CAIRN_CXX_ABI_TAG "'"), reason);

  reason = reason_for(host, dir / "libcairn-tp_throws.so");
  BOOST_TEST(contains(reason, "plugin 'test_throws' failed to register: test_throws cannot find its settings file"), reason);
  BOOST_TEST(!host.handles_scheme("partial"));  // its store was rolled back

  reason = reason_for(host, dir / "libcairn-tp_z_dup_store.so");
  BOOST_TEST(contains(reason, "duplicate object store 'test_store', first registered by " + (dir / "libcairn-tp_a_good.so")),
             reason);
  BOOST_TEST(!host.handles_scheme("tst2"));  // nothing of a clashing plugin is kept

  reason = reason_for(host, dir / "libcairn-tp_z_dup_scheme.so");
  BOOST_TEST(contains(reason, "duplicate URI scheme 'file://'"), reason);
  BOOST_TEST(contains(reason, "first registered by <builtin>"), reason);
  for (const auto& failure : host.failures()) BOOST_TEST(!contains(failure.reason, "\n"));
}

BOOST_AUTO_TEST_CASE(a_plugin_name_found_again_in_a_later_directory_is_skipped) {
  TempDir later;
  fs::copy_file(dir.path() / "libcairn-tp_a_good.so", later.path() / "libcairn-tp_a_good.so");
  EngineHost host;
  host.load_all({(dir.path()).string(), later.path().string()});
  const std::string reason = reason_for(host, later / "libcairn-tp_a_good.so");
  BOOST_TEST(contains(reason, "duplicate plugin name 'test_good', first registered by " + (dir / "libcairn-tp_a_good.so")),
             reason);
  BOOST_TEST(plugins_under(host, later.path()).empty());
  BOOST_TEST(plugins_under(host, dir.path()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(search_path_order_and_missing_directories) {
  cairn::test::ScopedEnv env("CAIRN_PLUGIN_PATH", dir.path().string() + "::/nonexistent/from-env");
  const std::vector<std::string> path = PluginHost::search_path({"/nonexistent/flag"});
  BOOST_TEST_REQUIRE(path.size() >= 4u);
  BOOST_TEST(path[0] == "/nonexistent/flag");
  BOOST_TEST(path[1] == dir.path().string());
  BOOST_TEST(path[2] == "/nonexistent/from-env");
  BOOST_TEST(contains(path.back(), "cairn/plugins"));  // next to the running binary

  EngineHost host;
  host.load_all({"/nonexistent/flag"});
  env.restore();
  BOOST_TEST(contains(reason_for(host, "/nonexistent/flag"), "plugin directory '/nonexistent/flag' does not exist"));
  BOOST_TEST(contains(reason_for(host, "/nonexistent/from-env"), "(from CAIRN_PLUGIN_PATH) does not exist"));
  // The environment's folder was searched: its good plugin loaded.
  BOOST_TEST(host.handles_scheme("tst"));
}

BOOST_AUTO_TEST_CASE(the_per_user_folder_is_searched_before_the_installed_one) {
  TempDir home;
  const fs::path user_dir = home.path() / ".local/lib/cairn/plugins";
  fs::create_directories(user_dir);
  fs::copy_file(dir.path() / "libcairn-tp_a_good.so", user_dir / "libcairn-tp_a_good.so");
  cairn::test::ScopedEnv env("HOME", home.path().string());
  const std::vector<std::string> path = PluginHost::search_path({});
  EngineHost host;
  host.load_all({});
  env.restore();

  BOOST_TEST_REQUIRE(path.size() >= 2u);
  BOOST_TEST(path[path.size() - 2] == user_dir.string());
  BOOST_TEST(contains(path.back(), "cairn/plugins"));
  BOOST_TEST(plugins_under(host, user_dir).size() == 1u);
  BOOST_TEST(host.handles_scheme("tst"));
}

// A store plugin built against an older SDK release (descriptor layout 1), one
// from a newer release (a longer descriptor), and one built without LibTorch
// that names a LibTorch this cairn does not have: all three load.
BOOST_AUTO_TEST_CASE(descriptors_of_other_layouts_and_without_torch_load) {
  EngineHost host;
  for (const char* file : {"libcairn-tp_layout_1.so", "libcairn-tp_newer_layout.so", "libcairn-tp_no_torch.so"}) {
    const fs::path path = fs::path(CAIRN_TEST_PLUGIN_DIR) / file;
    BOOST_TEST(host.load_file(path.string()), file << ": " << reason_for(host, path.string()));
  }
  BOOST_TEST(host.handles_scheme("lay1"));
  BOOST_TEST(host.handles_scheme("lay3"));
  BOOST_TEST(host.handles_scheme("notorch"));
}

BOOST_AUTO_TEST_CASE(load_file_reports_a_missing_file) {
  EngineHost host;
  BOOST_TEST(!host.load_file(dir / "absent.so"));
  BOOST_TEST(contains(reason_for(host, dir / "absent.so"), "absent.so does not exist"));
  BOOST_TEST(host.load_file(dir / "libcairn-tp_a_good.so"));
}

BOOST_AUTO_TEST_CASE(unknown_names_and_schemes_list_what_is_loaded) {
  EngineHost host;
  host.load_file(dir / "libcairn-tp_a_good.so");
  BOOST_TEST(error_text<ConfigError>([&] { host.make_model("foo", nullptr); }) ==
             "unknown model 'foo'; loaded models: none. Check --plugin-dir or `cairn plugins`");
  BOOST_TEST(error_text<ConfigError>([&] { host.open_store("s3", nullptr); }) ==
             "unknown object store 's3'; loaded object stores: local, test_store. Check --plugin-dir or `cairn plugins`");
  BOOST_TEST(error_text<ConfigError>([&] { host.open_store_for_uri(Uri::parse("oci://bucket/x"), nullptr); }) ==
             "no loaded plugin handles 'oci://' URIs (loaded schemes: file, tst); install a plugin for it into a plugin "
             "directory");
  BOOST_TEST(contains(error_text<ConfigError>([&] { host.open_store_for_uri(Uri::parse("/abs/path"), nullptr); }),
                      "is a local path, not a URI"));
  BOOST_CHECK_THROW(host.add_builtin("again", "", [](Registrar& r) { r.add_object_store("x", {"tst"}, nullptr, ""); }),
                    PluginError);
}

BOOST_AUTO_TEST_SUITE_END()
