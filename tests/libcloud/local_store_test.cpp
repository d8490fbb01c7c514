// The local provider in Apache libcloud's LocalStorageDriver layout: libcloud
// itself (Debian python3-libcloud, /usr/bin/python3) lists and reads what
// Cairn writes, and Cairn what libcloud writes; names that would leave the
// container or hide from libcloud are refused; Composer's progress calls.
#include <filesystem>

#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "libcloud_test_support.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;
using libcloudtest::local_client_env;
using libcloudtest::peer_client;
using libcloudtest::random_bytes;
using libcloudtest::read_file;
using libcloudtest::shell_quote;
using libcloudtest::write_file;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json local_config(const std::string& base, const std::string& container, uint64_t chunk = 1 << 20) {
  return {{"provider", "local"}, {"container", container}, {"provider_kwargs", {{"key", base}}}, {"chunk_size", chunk}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_store)

BOOST_AUTO_TEST_CASE(libcloud_lists_and_reads_what_cairn_writes) {
  libcloudtest::TempDir dir;
  fs::create_directories(dir.path() / "base" / "ckpt");
  auto store = libcloudtest::open_store(local_config(dir / "base", "ckpt"));
  BOOST_TEST(store->get_uri("run/a.pt") == "local://ckpt/run/a.pt");
  const std::map<std::string, std::string> objects = {{"run/ep1.pt", random_bytes(3 << 20, 1)},
                                                      {"run/deep/er/ep2.pt", random_bytes(1000, 2)},
                                                      {"top.pt", ""}};
  for (const auto& [name, body] : objects) {
    write_file(dir / "in.bin", body);
    store->upload_object(name, dir / "in.bin");
  }
  // The uploads were staged in .lock, which libcloud never lists.
  BOOST_TEST(fs::is_directory(dir.path() / "base" / "ckpt" / ".lock"));
  BOOST_TEST(fs::is_empty(dir.path() / "base" / "ckpt" / ".lock"));

  const std::string base = shell_quote(dir / "base");
  const auto listed = peer_client("libcloud-local " + base + " list ckpt", local_client_env(dir));
  REQUIRE_PEER_CLIENT(listed);
  json expected = json::object();
  for (const auto& [name, body] : objects) expected[name] = body.size();
  BOOST_TEST(json::parse(listed.output) == expected, listed.output);
  const auto by_prefix = peer_client("libcloud-local " + base + " list ckpt run/deep", local_client_env(dir));
  REQUIRE_PEER_CLIENT(by_prefix);
  BOOST_TEST(json::parse(by_prefix.output) == json({{"run/deep/er/ep2.pt", 1000}}), by_prefix.output);
  for (const auto& [name, body] : objects) {
    const auto got = peer_client("libcloud-local " + base + " get ckpt " + shell_quote(name) + " " +
                                     shell_quote(dir / "out.bin"),
                                 local_client_env(dir));
    REQUIRE_PEER_CLIENT(got);
    BOOST_TEST((read_file(dir / "out.bin") == body), name);
  }
}

BOOST_AUTO_TEST_CASE(cairn_lists_and_reads_what_libcloud_writes) {
  libcloudtest::TempDir dir;
  fs::create_directories(dir.path() / "base" / "ckpt");
  const std::string base = shell_quote(dir / "base");
  const std::map<std::string, std::string> objects = {{"a/b/one.pt", random_bytes(2 << 20, 3)},
                                                      {"two.pt", random_bytes(10, 4)}};
  for (const auto& [name, body] : objects) {
    write_file(dir / "in.bin", body);
    const auto put = peer_client("libcloud-local " + base + " put ckpt " + shell_quote(name) + " " +
                                     shell_quote(dir / "in.bin"),
                                 local_client_env(dir));
    REQUIRE_PEER_CLIENT(put);
  }
  auto store = libcloudtest::open_store(local_config(dir / "base", "ckpt"));
  BOOST_TEST((store->list_objects() == std::vector<std::string>{"a/b/one.pt", "two.pt"}));
  BOOST_TEST((store->list_objects("a/") == std::vector<std::string>{"a/b/one.pt"}));
  BOOST_TEST((store->list_objects("t") == std::vector<std::string>{"two.pt"}));
  for (const auto& [name, body] : objects) {
    BOOST_TEST(store->get_object_size(name) == body.size());
    store->download_object(name, dir / "out.bin", true);
    BOOST_TEST((read_file(dir / "out.bin") == body), name);
  }
  // Deleting removes the emptied folders up to the container, as libcloud does.
  store->delete_object("a/b/one.pt");
  BOOST_TEST(!fs::exists(dir.path() / "base" / "ckpt" / "a"));
  BOOST_TEST(fs::is_directory(dir.path() / "base" / "ckpt"));
  BOOST_CHECK_THROW(store->delete_object("a/b/one.pt"), cairn::NotFoundError);
  BOOST_CHECK_THROW(store->get_object_size("a/b/one.pt"), cairn::NotFoundError);
  BOOST_CHECK_THROW(store->download_object("a/b/one.pt", dir / "nothing.pt"), cairn::NotFoundError);
  BOOST_TEST(!fs::exists(dir.path() / "nothing.pt"));
}

BOOST_AUTO_TEST_CASE(names_stay_in_the_container_and_visible_to_libcloud) {
  libcloudtest::TempDir dir;
  fs::create_directories(dir.path() / "base" / "ckpt");
  auto store = libcloudtest::open_store(local_config(dir / "base", "ckpt"));
  write_file(dir / "f.bin", "x");
  for (const std::string name : {"../escape.pt", "a/../../escape.pt", "/abs.pt", "a//b.pt", "a/.lock/b.pt",
                                 ".hash/x.pt", "dir/", ""}) {
    const std::string message = error_text<cairn::StoreError>([&] { store->upload_object(name, dir / "f.bin"); });
    BOOST_TEST(contains(message, "object name"), name << ": " << message);
  }
  BOOST_TEST(!fs::exists(dir.path() / "base" / "escape.pt"));
  BOOST_TEST(store->list_objects().empty());
}

BOOST_AUTO_TEST_CASE(missing_folders_are_refused_when_opened) {
  libcloudtest::TempDir dir;
  const std::string no_base = error_text<cairn::ConfigError>([&] {
    libcloudtest::open_store(local_config(dir / "nowhere", "ckpt"));
  });
  BOOST_TEST(contains(no_base, "provider_kwargs.key"), no_base);
  fs::create_directories(dir.path() / "base");
  const std::string no_container = error_text<cairn::ConfigError>([&] {
    libcloudtest::open_store(local_config(dir / "base", "ckpt"));
  });
  BOOST_TEST(contains(no_container, "container 'ckpt' does not exist"), no_container);
  // Composer's own tests use container '.': the base folder itself.
  auto here = libcloudtest::open_store(local_config(dir / "base", "."));
  write_file(dir / "f.bin", "x");
  here->upload_object("tmpfile_object_name", dir / "f.bin");
  BOOST_TEST(here->get_uri("tmpfile_object_name") == "local://./tmpfile_object_name");
  BOOST_TEST(fs::exists(dir.path() / "base" / "tmpfile_object_name"));
}

BOOST_AUTO_TEST_CASE(progress_is_composers_one_call_per_chunk) {
  libcloudtest::TempDir dir;
  fs::create_directories(dir.path() / "base" / "c");
  write_file(dir / "f.bin", random_bytes(100, 5));
  for (uint64_t chunk : {100u, 128u, 30u}) {
    auto store = libcloudtest::open_store(local_config(dir / "base", "c", chunk));
    libcloudtest::ProgressLog up, down;
    store->upload_object("f.bin", dir / "f.bin", up.fn());
    libcloudtest::check_composer_progress(up, 100, chunk);
    store->download_object("f.bin", dir / "g.bin", true, down.fn());
    libcloudtest::check_composer_progress(down, 100, chunk);
  }
}

BOOST_AUTO_TEST_SUITE_END()
