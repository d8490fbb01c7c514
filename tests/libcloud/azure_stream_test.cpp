// Streamed uploads to Azure Blob storage (AzureBlobStore::open_writer through
// LibcloudStore) against Azurite, which checks every Shared Key signature:
// the blob arrives whole as Apache libcloud and the Azure SDK read it; its
// block list is the stream's blocks, with ids of one length; nothing is
// visible before Put Block List; a stream below multipart_threshold is one
// Put Blob (a blob with no blocks); an abandoned stream leaves the old blob;
// a wrong key names the blob and not the key.
#include <algorithm>
#include <regex>

#include <boost/test/unit_test.hpp>

#include "azure_store.h"
#include "cairn/errors.h"
#include "azure_test_support.h"
#include "stream_pieces.h"
#include "test_text.h"

using cairn::test::AzurePeer;
using cairn::test::contains;
using cairn::test::error_text;
using cairn::test::write_in_pieces;
using libcloudtest::random_bytes;
using libcloudtest::read_file;
using libcloudtest::shell_quote;
using nlohmann::json;

namespace {

// Blocks of 1 MiB, four in flight; one Put Blob below 3 MiB.
json stream_config(const AzurePeer& peer, const std::string& secret_override = "") {
  return libcloudtest::azurite_config(peer, secret_override);
}

libcloud::AzureBlobStore& azure_of(cairn::ObjectStore& store) {
  return dynamic_cast<libcloud::AzureBlobStore&>(dynamic_cast<libcloud::LibcloudStore&>(store).provider());
}

// Get Block List: the ids of the blob's committed or uncommitted blocks.
std::vector<std::string> block_ids(cairn::ObjectStore& store, const std::string& blob, const std::string& which) {
  libcloud::AzureCall call{"block list", blob, "GET"};
  call.query = {{"comp", "blocklist"}, {"blocklisttype", which}};
  const std::string body = azure_of(store).client().send(call).body;
  // <BlockList><CommittedBlocks>...</CommittedBlocks><UncommittedBlocks>...</UncommittedBlocks></BlockList>
  const size_t uncommitted = std::min(body.find("<UncommittedBlocks"), body.size());
  const std::string list = which == "committed" ? body.substr(0, uncommitted)
                           : which == "uncommitted" ? body.substr(uncommitted)
                                                    : body;
  std::vector<std::string> ids;
  const std::regex name("<Name>([^<]*)</Name>");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), name); it != std::sregex_iterator(); ++it) {
    ids.push_back((*it)[1]);
  }
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(azure_streams)

BOOST_AUTO_TEST_CASE(a_streamed_block_blob_arrives_whole) {
  AzurePeer peer;
  REQUIRE_AZURITE(peer);
  auto store = libcloudtest::open_store(stream_config(peer));
  // A first block of 3 MiB (what might still have gone up whole), four of
  // 1 MiB, and a short last one.
  const std::string data = random_bytes((7 << 20) + 4321, 51);
  libcloudtest::ProgressLog progress;
  auto writer = store->open_writer("ckpt/ep 1+é.pt", data.size(), progress.fn());
  write_in_pieces(*writer, data);
  // Blocks are in Azurite, uncommitted; no blob is visible yet.
  BOOST_TEST(!block_ids(*store, "ckpt/ep 1+é.pt", "uncommitted").empty());
  BOOST_CHECK_THROW(store->get_object_size("ckpt/ep 1+é.pt"), cairn::NotFoundError);
  BOOST_TEST(store->list_objects().empty());
  writer->commit();
  writer.reset();
  libcloudtest::check_composer_progress(progress, data.size(), 256 << 10);

  const std::vector<std::string> ids = block_ids(*store, "ckpt/ep 1+é.pt", "committed");
  BOOST_TEST(ids.size() == 6u);
  for (const std::string& id : ids) BOOST_TEST(id.size() == ids.front().size(), id);
  BOOST_TEST(store->get_object_size("ckpt/ep 1+é.pt") == data.size());
  libcloudtest::TempDir dir;
  for (const char* client : {"libcloud-azure", "azure-sdk"}) {
    BOOST_TEST_CONTEXT(client) {
      const auto got = libcloudtest::peer_client(std::string(client) + " get " + shell_quote(peer.container()) +
                                                     " " + shell_quote("ckpt/ep 1+é.pt") + " " + shell_quote(dir / "got.bin"),
                                                 libcloudtest::azure_client_env(peer));
      REQUIRE_PEER_CLIENT(got);
      BOOST_TEST((read_file(dir / "got.bin") == data));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_stream_below_multipart_threshold_is_one_put_blob) {
  AzurePeer peer;
  REQUIRE_AZURITE(peer);
  auto store = libcloudtest::open_store(stream_config(peer));
  const std::string data = random_bytes((3 << 20) - 1, 52);
  auto writer = store->open_writer("small.pt");
  write_in_pieces(*writer, data);
  writer->commit();
  auto empty = store->open_writer("empty.pt");
  empty->commit();
  // Put Blob makes a blob of no blocks.
  BOOST_TEST(block_ids(*store, "small.pt", "all").empty());
  BOOST_TEST(store->get_object_size("small.pt") == data.size());
  BOOST_TEST(store->get_object_size("empty.pt") == 0u);
  libcloudtest::TempDir dir;
  store->download_object("small.pt", dir / "small.pt");
  BOOST_TEST((read_file(dir / "small.pt") == data));
}

BOOST_AUTO_TEST_CASE(an_abandoned_stream_leaves_the_old_blob) {
  AzurePeer peer;
  REQUIRE_AZURITE(peer);
  auto store = libcloudtest::open_store(stream_config(peer));
  const std::string old_bytes = random_bytes((4 << 20) + 5, 53);
  {
    auto writer = store->open_writer("latest.pt");
    write_in_pieces(*writer, old_bytes);
    writer->commit();
  }
  {
    // A save that dies half-way: an exception unwinds through the writer.
    auto writer = store->open_writer("latest.pt");
    write_in_pieces(*writer, random_bytes(6 << 20, 54));
  }
  // Its blocks stay uncommitted, out of the blob, until Azure drops them.
  BOOST_TEST(!block_ids(*store, "latest.pt", "uncommitted").empty());
  BOOST_TEST(block_ids(*store, "latest.pt", "committed").size() == 3u);  // 3 MiB, 1 MiB, 5 bytes
  libcloudtest::TempDir dir;
  store->download_object("latest.pt", dir / "latest.pt");
  BOOST_TEST((read_file(dir / "latest.pt") == old_bytes));
  // The next stream under that name takes none of them.
  const std::string next = random_bytes((3 << 20) + 7, 55);
  auto writer = store->open_writer("latest.pt");
  write_in_pieces(*writer, next);
  writer->commit();
  store->download_object("latest.pt", dir / "next.pt");
  BOOST_TEST((read_file(dir / "next.pt") == next));
  BOOST_TEST(block_ids(*store, "latest.pt", "uncommitted").empty());
}

BOOST_AUTO_TEST_CASE(a_wrong_key_names_the_blob_and_not_the_key) {
  AzurePeer peer;
  REQUIRE_AZURITE(peer);
  std::string wrong = peer.key();
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  auto store = libcloudtest::open_store(stream_config(peer, wrong));
  for (const uint64_t size : {uint64_t{1000}, uint64_t{5} << 20}) {  // one Put Blob; blocks
    auto writer = store->open_writer("ckpt/a.pt");
    const std::string text = error_text<cairn::AuthenticationError>([&] {
      write_in_pieces(*writer, random_bytes(size, 56));
      writer->commit();
    });
    BOOST_TEST(contains(text, "azure_blobs://" + peer.container() + "/ckpt/a.pt"), text);
    BOOST_TEST(contains(text, "403"), text);
    BOOST_TEST(!contains(text, wrong), text);
    BOOST_TEST(!contains(text, peer.key()), text);
    BOOST_TEST(!contains(text, "SharedKey"), text);
    BOOST_TEST(text.find('\n') == std::string::npos, text);
  }
  BOOST_TEST(libcloudtest::open_store(stream_config(peer))->list_objects().empty());
}

BOOST_AUTO_TEST_SUITE_END()
