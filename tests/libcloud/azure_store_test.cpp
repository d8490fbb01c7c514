// The azure_blobs provider against Azurite, which checks every Shared Key
// signature: the full store cycle, block uploads, ranged downloads, listing
// across pages, not-found and authentication errors, odd blob names.
#include <algorithm>
#include <filesystem>

#include <boost/test/unit_test.hpp>

#include "azure_store.h"
#include "cairn/errors.h"
#include "azure_test_support.h"
#include "test_text.h"

using cairn::test::AzurePeer;
using cairn::test::contains;
using cairn::test::error_text;
using libcloudtest::random_bytes;
using libcloudtest::read_file;
using libcloudtest::write_file;
using nlohmann::json;

namespace {

// Small blocks and ranges, so that test files take several; quick retries.
json store_config(const AzurePeer& peer, const std::string& secret_override = "") {
  return libcloudtest::azurite_config(peer, secret_override);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(azure_store)

BOOST_AUTO_TEST_CASE(full_cycle_with_blocks_ranges_and_composer_progress) {
  AzurePeer peer;
  REQUIRE_AZURITE(peer);
  auto store = libcloudtest::open_store(store_config(peer));
  libcloudtest::TempDir dir;
  const std::string small = random_bytes(1000, 1);
  const std::string large = random_bytes((7 << 20) + 4321, 2);  // 8 blocks of 1 MiB, the last one short
  write_file(dir / "small.bin", small);
  write_file(dir / "large.bin", large);
  write_file(dir / "empty.bin", "");

  libcloudtest::ProgressLog up;
  store->upload_object("run/large.bin", dir / "large.bin", up.fn());
  libcloudtest::check_composer_progress(up, large.size(), 256 << 10);
  store->upload_object("run/small.bin", dir / "small.bin");
  store->upload_object("empty.bin", dir / "empty.bin");

  BOOST_TEST(store->get_object_size("run/large.bin") == large.size());
  BOOST_TEST(store->get_object_size("run/small.bin") == small.size());
  BOOST_TEST(store->get_object_size("empty.bin") == 0u);
  BOOST_TEST((store->list_objects() == std::vector<std::string>{"empty.bin", "run/large.bin", "run/small.bin"}));
  BOOST_TEST((store->list_objects("run/s") == std::vector<std::string>{"run/small.bin"}));

  libcloudtest::ProgressLog down;
  store->download_object("run/large.bin", dir / "got/large.bin", false, down.fn());
  BOOST_TEST((read_file(dir / "got/large.bin") == large));
  libcloudtest::check_composer_progress(down, large.size(), 256 << 10);
  store->download_object("run/small.bin", dir / "got/small.bin");
  BOOST_TEST((read_file(dir / "got/small.bin") == small));
  store->download_object("empty.bin", dir / "got/empty.bin");
  BOOST_TEST(std::filesystem::file_size(dir / "got/empty.bin") == 0u);
  // No overwrite unless asked; nothing left behind by the refusal.
  BOOST_CHECK_THROW(store->download_object("run/small.bin", dir / "got/large.bin"), cairn::AlreadyExistsError);
  BOOST_TEST((read_file(dir / "got/large.bin") == large));
  store->download_object("run/small.bin", dir / "got/large.bin", true);
  BOOST_TEST((read_file(dir / "got/large.bin") == small));

  // A second upload under the same name replaces the blob (blocks again).
  const std::string other = random_bytes((4 << 20) + 1, 3);
  write_file(dir / "other.bin", other);
  store->upload_object("run/large.bin", dir / "other.bin");
  store->download_object("run/large.bin", dir / "got/other.bin");
  BOOST_TEST((read_file(dir / "got/other.bin") == other));

  store->delete_object("run/small.bin");
  BOOST_CHECK_THROW(store->get_object_size("run/small.bin"), cairn::NotFoundError);
  BOOST_TEST((store->list_objects("run/") == std::vector<std::string>{"run/large.bin"}));
}

BOOST_AUTO_TEST_CASE(listing_follows_next_marker_across_pages) {
  AzurePeer peer;
  REQUIRE_AZURITE(peer);
  libcloudtest::TempDir dir;
  write_file(dir / "f.bin", "x");
  libcloud::AzureSettings settings =
      dynamic_cast<libcloud::AzureBlobStore&>(dynamic_cast<libcloud::LibcloudStore&>(*libcloudtest::open_store(store_config(peer))).provider())
          .client()
          .settings();
  settings.list_page_size = 2;  // 7 blobs: 4 pages
  libcloud::AzureBlobStore store(settings);
  std::vector<std::string> names;
  for (int i = 0; i < 7; ++i) names.push_back("pages/" + std::to_string(i) + ".pt");
  for (const auto& name : names) store.upload_object(name, dir / "f.bin");
  store.upload_object("elsewhere.pt", dir / "f.bin");
  BOOST_TEST(store.list_objects("pages/") == names);
  BOOST_TEST(store.list_objects().size() == 8u);
}

BOOST_AUTO_TEST_CASE(odd_names_round_trip) {
  AzurePeer peer;
  REQUIRE_AZURITE(peer);
  auto store = libcloudtest::open_store(store_config(peer));
  libcloudtest::TempDir dir;
  const std::vector<std::string> names = {"a b/c d.pt", "plus+equals=comma,.pt", "percent%20.pt",
                                          "t\xC3\xA9st/\xE2\x82\xAC.pt", "tilde~(paren)'quote'.pt"};
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string body = random_bytes(100 + i, 10 + i);
    write_file(dir / "in.bin", body);
    store->upload_object(names[i], dir / "in.bin");
    BOOST_TEST(store->get_object_size(names[i]) == body.size(), names[i]);
    store->download_object(names[i], dir / "out.bin", true);
    BOOST_TEST((read_file(dir / "out.bin") == body), names[i]);
  }
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  BOOST_TEST(store->list_objects() == sorted);
  BOOST_TEST((store->list_objects("a b/") == std::vector<std::string>{"a b/c d.pt"}));
  for (const auto& name : names) store->delete_object(name);
  BOOST_TEST(store->list_objects().empty());
}

BOOST_AUTO_TEST_CASE(missing_blobs_and_containers_are_not_found) {
  AzurePeer peer;
  REQUIRE_AZURITE(peer);
  auto store = libcloudtest::open_store(store_config(peer));
  libcloudtest::TempDir dir;
  const std::string size = error_text<cairn::NotFoundError>([&] { store->get_object_size("no/such.pt"); });
  BOOST_TEST(contains(size, "azure_blobs://cairn-test/no/such.pt"), size);
  BOOST_TEST(contains(size, "404"), size);
  BOOST_CHECK_THROW(store->download_object("no/such.pt", dir / "x.pt"), cairn::NotFoundError);
  BOOST_TEST(!std::filesystem::exists(dir / "x.pt"));
  BOOST_TEST(std::filesystem::is_empty(dir.path()));  // no temporary file left either
  BOOST_CHECK_THROW(store->delete_object("no/such.pt"), cairn::NotFoundError);

  json config = store_config(peer);
  config["container"] = "no-such-container";
  auto elsewhere = libcloudtest::open_store(config);
  const std::string listing = error_text<cairn::NotFoundError>([&] { elsewhere->list_objects(); });
  BOOST_TEST(contains(listing, "ContainerNotFound"), listing);
  BOOST_TEST(contains(listing, "'no-such-container' does not exist"), listing);
  write_file(dir / "f.bin", "x");
  BOOST_CHECK_THROW(elsewhere->upload_object("a.pt", dir / "f.bin"), cairn::NotFoundError);
}

BOOST_AUTO_TEST_CASE(a_wrong_key_is_an_authentication_error_without_the_key) {
  AzurePeer peer;
  REQUIRE_AZURITE(peer);
  // A well-formed key of the right length that is not the account's.
  std::string wrong = peer.key();
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  auto store = libcloudtest::open_store(store_config(peer, wrong));
  libcloudtest::TempDir dir;
  write_file(dir / "f.bin", random_bytes(5 << 20, 4));  // blocks: the first Put Block is refused
  for (const auto& message : {
           error_text<cairn::AuthenticationError>([&] { store->list_objects(); }),
           error_text<cairn::AuthenticationError>([&] { store->get_object_size("a.pt"); }),
           error_text<cairn::AuthenticationError>([&] { store->upload_object("a.pt", dir / "f.bin"); }),
       }) {
    BOOST_TEST(contains(message, "403"), message);
    BOOST_TEST(contains(message, "devstoreaccount1"), message);
    BOOST_TEST(!contains(message, wrong), message);
    BOOST_TEST(!contains(message, peer.key()), message);
    BOOST_TEST(!contains(message, "SharedKey"), message);
  }
  // Nothing was written with the right key either.
  BOOST_TEST(libcloudtest::open_store(store_config(peer))->list_objects().empty());
}

BOOST_AUTO_TEST_SUITE_END()
