// LocalStore conformance (composer-behaviour.md §7 scenario 38) and file:// URIs.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"
#include "store/local_store.h"
#include "temp_dir.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;

using namespace cairn;
namespace fs = std::filesystem;

namespace {

struct StoreFixture {
  TempDir dir;
  LocalStore store{(dir.path() / "root").string()};
  std::string payload = std::string(3 * 1024 * 1024 + 17, 'x');  // several 1 MiB chunks plus a tail
  StoreFixture() {
    for (size_t i = 0; i < payload.size(); i += 4093) payload[i] = static_cast<char>('a' + i % 26);
    write_file(dir / "payload.bin", payload);
  }
};

template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "(no error of the expected type)";
}

std::vector<std::string> files_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(local_store, StoreFixture)

BOOST_AUTO_TEST_CASE(upload_progress_is_cumulative_monotonic_and_ends_at_total) {
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  store.upload_object("run/ep1.pt", dir / "payload.bin", [&](uint64_t done, uint64_t total) { calls.push_back({done, total}); });
  BOOST_TEST_REQUIRE(calls.size() >= 2u);
  for (size_t i = 0; i < calls.size(); ++i) {
    BOOST_TEST(calls[i].second == payload.size());
    if (i > 0) BOOST_TEST(calls[i].first >= calls[i - 1].first);
  }
  BOOST_TEST(calls.back().first == payload.size());
  BOOST_TEST(read_file(dir / "root/run/ep1.pt") == payload);
  // No temporary file is left next to the object.
  BOOST_TEST((files_in(dir.path() / "root/run") == std::vector<std::string>{"ep1.pt"}));

  calls.clear();
  store.download_object("run/ep1.pt", dir / "back.bin", false, [&](uint64_t done, uint64_t total) { calls.push_back({done, total}); });
  BOOST_TEST(calls.back().first == payload.size());
  BOOST_TEST(read_file(dir / "back.bin") == payload);
}

BOOST_AUTO_TEST_CASE(empty_object_reports_progress_at_zero) {
  write_file(dir / "empty", "");
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  store.upload_object("empty", dir / "empty", [&](uint64_t done, uint64_t total) { calls.push_back({done, total}); });
  BOOST_TEST_REQUIRE(!calls.empty());
  BOOST_TEST(calls.back().first == 0u);
  BOOST_TEST(calls.back().second == 0u);
  BOOST_TEST(store.get_object_size("empty") == 0u);
}

BOOST_AUTO_TEST_CASE(uri_and_size) {
  BOOST_TEST(store.get_uri("a/b.pt") == "file://" + (dir / "root/a/b.pt"));
  store.upload_object("a/b.pt", dir / "payload.bin");
  BOOST_TEST(store.get_object_size("a/b.pt") == fs::file_size(dir / "payload.bin"));
  BOOST_TEST(LocalStore("/").get_uri("tmp/x.pt") == "file:///tmp/x.pt");
}

BOOST_AUTO_TEST_CASE(missing_objects_are_not_found) {
  const std::string uri = "file://" + (dir / "root");
  BOOST_TEST(error_of<NotFoundError>([&] { store.get_object_size("nope.pt"); }) ==
             "size query of 'nope.pt' from " + uri + " failed: not found");
  BOOST_TEST(error_of<NotFoundError>([&] { store.download_object("a/b.pt", dir / "out.pt"); }) ==
             "download of 'a/b.pt' from " + uri + " failed: not found");
  BOOST_TEST(error_of<NotFoundError>([&] { store.delete_object("nope.pt"); }) ==
             "delete of 'nope.pt' from " + uri + " failed: not found");
  BOOST_TEST(!fs::exists(dir / "out.pt"));
  store.upload_object("folder/x", dir / "payload.bin");
  BOOST_CHECK_THROW(store.get_object_size("folder"), NotFoundError);  // a folder is not an object
}

BOOST_AUTO_TEST_CASE(download_onto_an_existing_file_needs_overwrite) {
  store.upload_object("ckpt.pt", dir / "payload.bin");
  write_file(dir / "existing.pt", "keep me");
  const std::string message = error_of<AlreadyExistsError>([&] { store.download_object("ckpt.pt", dir / "existing.pt"); });
  BOOST_TEST(contains(message, "destination '" + (dir / "existing.pt") + "' already exists"), message);
  BOOST_TEST(read_file(dir / "existing.pt") == "keep me");
  BOOST_TEST((files_in(dir.path()) == std::vector<std::string>{"existing.pt", "payload.bin", "root"}));

  store.download_object("ckpt.pt", dir / "existing.pt", /*overwrite=*/true);
  BOOST_TEST(read_file(dir / "existing.pt") == payload);
  // Folders of the destination are created.
  store.download_object("ckpt.pt", dir / "new/sub/ckpt.pt");
  BOOST_TEST(read_file(dir / "new/sub/ckpt.pt") == payload);
}

BOOST_AUTO_TEST_CASE(list_is_recursive_sorted_and_filtered_by_prefix) {
  BOOST_TEST(store.list_objects().empty());  // root does not exist yet
  for (const char* name : {"run/ep2.pt", "run/ep1.pt", "run/sub/x.pt", "other.pt", "runs.txt"}) {
    store.upload_object(name, dir / "payload.bin");
  }
  BOOST_TEST((store.list_objects() ==
              std::vector<std::string>{"other.pt", "run/ep1.pt", "run/ep2.pt", "run/sub/x.pt", "runs.txt"}));
  BOOST_TEST((store.list_objects("run/") == std::vector<std::string>{"run/ep1.pt", "run/ep2.pt", "run/sub/x.pt"}));
  BOOST_TEST((store.list_objects("run/ep") == std::vector<std::string>{"run/ep1.pt", "run/ep2.pt"}));
  BOOST_TEST((store.list_objects("run") ==
              std::vector<std::string>{"run/ep1.pt", "run/ep2.pt", "run/sub/x.pt", "runs.txt"}));
  BOOST_TEST(store.list_objects("absent/").empty());

  store.delete_object("run/ep1.pt");
  BOOST_TEST((store.list_objects("run/ep") == std::vector<std::string>{"run/ep2.pt"}));
}

BOOST_AUTO_TEST_CASE(names_may_not_leave_the_root) {
  for (const char* name : {"../escape.pt", "a/../../escape.pt", "/etc/passwd", ""}) {
    BOOST_CHECK_THROW(store.upload_object(name, dir / "payload.bin"), StoreError);
  }
  BOOST_TEST(!fs::exists(dir / "escape.pt"));
  const std::string message = error_of<StoreError>([&] { store.upload_object("x", dir / "absent.bin"); });
  BOOST_TEST(contains(message, "upload of 'x' to file://"), message);
  BOOST_TEST(contains(message, "local file '" + (dir / "absent.bin") + "' does not exist"), message);
}

BOOST_AUTO_TEST_CASE(file_uris_open_the_builtin_store) {
  EngineHost host;
  const Uri uri = Uri::parse("file://" + (dir / "ckpts/ep1.pt"));
  auto by_uri = host.open_store_for_uri(uri, nullptr);
  by_uri->upload_object(uri.path, dir / "payload.bin");
  BOOST_TEST(by_uri->get_uri(uri.path) == "file://" + (dir / "ckpts/ep1.pt"));
  BOOST_TEST(read_file(dir / "ckpts/ep1.pt") == payload);

  auto by_name = host.open_store("local", {{"root", dir / "ckpts"}});
  BOOST_TEST((by_name->list_objects() == std::vector<std::string>{"ep1.pt"}));
  BOOST_CHECK_THROW(host.open_store("local", nullptr), ConfigError);
  BOOST_TEST(contains(error_of<ConfigError>([&] { host.open_store_for_uri(Uri::parse("file://server/x"), nullptr); }),
                      "three slashes"));
  BOOST_TEST(contains(error_of<ConfigError>([&] { host.open_store("local", {{"root", "/x"}, {"bucket", "y"}}); }),
                      "unknown config field 'bucket'"));
}

BOOST_AUTO_TEST_SUITE_END()
