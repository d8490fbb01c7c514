// Streamed uploads to the local provider (LocalContainerStore::open_writer
// through LibcloudStore): Apache libcloud's LocalStorageDriver reads the
// object whole; until commit the bytes sit in a staged file under .lock,
// which neither libcloud nor Cairn lists; an abandoned stream leaves the old
// object and no staged file; Composer's progress steps; a bad name is
// refused naming the object.
#include <filesystem>

#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "libcloud_test_support.h"
#include "stream_pieces.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;
using cairn::test::write_in_pieces;
using libcloudtest::peer_client;
using libcloudtest::random_bytes;
using libcloudtest::read_file;
using libcloudtest::shell_quote;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Container {
  libcloudtest::TempDir dir;
  fs::path base = dir.path() / "base";
  fs::path staging = base / "ckpt" / ".lock";
  std::unique_ptr<cairn::ObjectStore> store;

  explicit Container(uint64_t chunk = 1 << 20) {
    fs::create_directories(base / "ckpt");
    store = libcloudtest::open_store(
        {{"provider", "local"}, {"container", "ckpt"}, {"provider_kwargs", {{"key", base.string()}}}, {"chunk_size", chunk}});
  }
  std::string client_env() const { return libcloudtest::local_client_env(dir); }
  size_t staged_files() const { return fs::exists(staging) ? std::distance(fs::directory_iterator(staging), {}) : 0; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(local_streams)

BOOST_AUTO_TEST_CASE(libcloud_reads_a_streamed_object_whole) {
  Container c;
  const std::string data = random_bytes((5 << 20) + 333, 61);
  auto writer = c.store->open_writer("run/deep/ep 1.pt", data.size());
  write_in_pieces(*writer, data);
  // Nothing visible before commit: the bytes are in one staged file.
  BOOST_TEST(c.staged_files() == 1u);
  BOOST_TEST(c.store->list_objects().empty());
  BOOST_CHECK_THROW(c.store->get_object_size("run/deep/ep 1.pt"), cairn::NotFoundError);
  const auto before = peer_client("libcloud-local " + shell_quote(c.base.string()) + " list ckpt", c.client_env());
  REQUIRE_PEER_CLIENT(before);
  BOOST_TEST(json::parse(before.output) == json::object(), before.output);
  writer->commit();
  writer.reset();
  BOOST_TEST(c.staged_files() == 0u);

  const auto listed = peer_client("libcloud-local " + shell_quote(c.base.string()) + " list ckpt", c.client_env());
  REQUIRE_PEER_CLIENT(listed);
  BOOST_TEST(json::parse(listed.output) == json({{"run/deep/ep 1.pt", data.size()}}), listed.output);
  const auto got = peer_client("libcloud-local " + shell_quote(c.base.string()) + " get ckpt " +
                                   shell_quote("run/deep/ep 1.pt") + " " + shell_quote(c.dir / "got.bin"),
                               c.client_env());
  REQUIRE_PEER_CLIENT(got);
  BOOST_TEST((read_file(c.dir / "got.bin") == data));
  // libcloud's own permissions, rw-rw-r--.
  BOOST_TEST(((fs::status(c.base / "ckpt/run/deep/ep 1.pt").permissions() & fs::perms::all) ==
              (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::group_write |
               fs::perms::others_read)));
}

BOOST_AUTO_TEST_CASE(an_abandoned_stream_leaves_the_old_object_and_no_staged_file) {
  Container c;
  const std::string old_bytes = random_bytes(1000, 62);
  {
    auto writer = c.store->open_writer("latest.pt");
    writer->write(old_bytes.data(), old_bytes.size());
    writer->commit();
  }
  {
    auto writer = c.store->open_writer("latest.pt");
    write_in_pieces(*writer, random_bytes(3 << 20, 63));
    BOOST_TEST(c.staged_files() == 1u);
  }
  BOOST_TEST(c.staged_files() == 0u);
  BOOST_TEST((read_file((c.base / "ckpt/latest.pt").string()) == old_bytes));
  // A committed writer is spent.
  auto writer = c.store->open_writer("other.pt");
  writer->commit();
  BOOST_CHECK_THROW(writer->write("x", 1), cairn::StoreError);
  BOOST_TEST(c.store->get_object_size("other.pt") == 0u);
}

BOOST_AUTO_TEST_CASE(progress_is_composers_one_call_per_chunk) {
  for (const uint64_t chunk : {100u, 128u, 30u, 1000u}) {
    Container c(chunk);
    const std::string data = random_bytes(1000, 64);
    libcloudtest::ProgressLog log;
    auto writer = c.store->open_writer("p.pt", data.size(), log.fn());
    write_in_pieces(*writer, data);
    writer->commit();
    libcloudtest::check_composer_progress(log, data.size(), chunk);
  }
}

BOOST_AUTO_TEST_CASE(a_bad_name_is_refused_naming_the_object) {
  Container c;
  for (const std::string name : {"../escape.pt", "a/.lock/b.pt", "dir/"}) {
    const std::string text = error_text<cairn::StoreError>([&] { c.store->open_writer(name); });
    BOOST_TEST(contains(text, "upload of 'local://ckpt/" + name + "' failed: the object name"), text);
  }
  BOOST_TEST(c.staged_files() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
