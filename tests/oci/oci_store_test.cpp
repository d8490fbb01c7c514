// The oci store against the loopback fake of Object Storage, which verifies
// every request's signature with the user's public key: the store's cycle,
// the prefix everywhere (Composer applied it only when listing), multipart
// uploads and their abort, ranged concurrent downloads, listing across pages,
// Composer's error mapping, and a wrong key.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "cairn/errors.h"
#include "oci_test_support.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;
using cairn::test::OciFake;
using cairn::test::OciFakeOptions;
using nlohmann::json;

namespace {

int operations(const json& stats, const std::string& name) {
  const json& counts = stats.at("requests_by_operation");
  return counts.contains(name) ? counts.at(name).get<int>() : 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(oci_store)

BOOST_AUTO_TEST_CASE(upload_size_download_list_delete_under_a_prefix) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto store = ocitest::store_on(fake, {{"prefix", "/runs/a/"}});
  TempDir dir;
  const std::string data = ocitest::random_bytes(300'000, 1);
  write_file(dir / "in.bin", data);
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  store.upload_object("ck/ep1 é+.pt", dir / "in.bin", [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
  BOOST_TEST((calls.front() == std::make_pair(uint64_t{0}, uint64_t{data.size()})));
  BOOST_TEST((calls.back() == std::make_pair(uint64_t{data.size()}, uint64_t{data.size()})));
  // Stored under the prefix, byte for byte, as the fake holds it.
  BOOST_TEST((fake.object(fake.bucket(), "runs/a/ck/ep1 é+.pt") == data));
  BOOST_TEST(store.get_uri("ck/ep1 é+.pt") == "oci://" + fake.bucket() + "/runs/a/ck/ep1 é+.pt");
  BOOST_TEST(store.get_object_size("ck/ep1 é+.pt") == data.size());
  store.download_object("ck/ep1 é+.pt", dir / "out/got.bin");
  BOOST_TEST((read_file(dir / "out/got.bin") == data));
  BOOST_CHECK_THROW(store.download_object("ck/ep1 é+.pt", dir / "out/got.bin"), cairn::AlreadyExistsError);
  store.download_object("ck/ep1 é+.pt", dir / "out/got.bin", /*overwrite=*/true);
  write_file(dir / "empty.bin", "");
  store.upload_object("ck/empty", dir / "empty.bin");
  store.download_object("ck/empty", dir / "out/empty");
  BOOST_TEST(std::filesystem::file_size(dir / "out/empty") == 0u);
  BOOST_TEST(store.list_objects() == (std::vector<std::string>{"ck/empty", "ck/ep1 é+.pt"}));
  BOOST_TEST(store.list_objects("ck/ep") == (std::vector<std::string>{"ck/ep1 é+.pt"}));
  store.delete_object("ck/empty");
  BOOST_TEST(store.list_objects() == (std::vector<std::string>{"ck/ep1 é+.pt"}));
  // The namespace was asked once (GET /n/) and kept; every request was signed right.
  const json stats = fake.stats();
  BOOST_TEST(operations(stats, "GetNamespace") == 1, stats.dump());
  BOOST_TEST(stats.at("rejected").empty(), stats.dump());
}

BOOST_AUTO_TEST_CASE(multipart_upload_and_ranged_concurrent_download) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto store = ocitest::store_on(fake, {{"part_size", 10 << 20}, {"parallel_process_count", 3},
                                        {"min_part_size", 4 << 20}, {"num_parts", 4}});
  TempDir dir;
  const std::string data = ocitest::random_bytes((25 << 20) + 17, 2);
  write_file(dir / "big.bin", data);
  uint64_t last = 0;
  bool monotonic = true;
  store.upload_object("big.bin", dir / "big.bin", [&](uint64_t done, uint64_t) {
    monotonic = monotonic && done >= last;
    last = done;
  });
  BOOST_TEST(monotonic);
  BOOST_TEST(last == data.size());
  json stats = fake.stats();
  BOOST_TEST(operations(stats, "CreateMultipartUpload") == 1, stats.dump());
  BOOST_TEST(operations(stats, "UploadPart") == 3, stats.dump());  // 10 + 10 + 5 MiB
  BOOST_TEST(operations(stats, "CommitMultipartUpload") == 1, stats.dump());
  BOOST_TEST(stats.at("uploads_in_progress") == 0);
  BOOST_TEST((fake.object(fake.bucket(), "big.bin") == data));

  store.download_object("big.bin", dir / "big.out");
  BOOST_TEST((read_file(dir / "big.out") == data));
  stats = fake.stats();
  BOOST_TEST(operations(stats, "GetObject") == 4, stats.dump());  // min(4, 25 MiB / 4 MiB) ranges
  BOOST_TEST(stats.at("rejected").empty(), stats.dump());

  // Composer's split, remainder first: a 1-byte object is one range, bytes=0-0.
  BOOST_TEST((ocistore::download_ranges(1, 128'000'000, 10) == std::vector<std::pair<uint64_t, uint64_t>>{{0, 1}}));
  BOOST_TEST((ocistore::download_ranges(10, 3, 10) == std::vector<std::pair<uint64_t, uint64_t>>{{0, 4}, {4, 3}, {7, 3}}));
  BOOST_TEST(ocistore::download_ranges(0, 1, 10).empty());
  // Parts grow (whole MiB) so no file needs more than 10,000.
  BOOST_TEST(ocistore::part_size_for(100ull << 30, 10 << 20) == 11ull << 20);
  BOOST_TEST(ocistore::part_size_for(1 << 20, 10 << 20) == 10u << 20);
}

BOOST_AUTO_TEST_CASE(a_failed_multipart_upload_is_aborted_and_says_so) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto store = ocitest::store_on(fake, {{"part_size", 10 << 20}});
  TempDir dir;
  write_file(dir / "big.bin", ocitest::random_bytes((21 << 20), 3));
  fake.fail_next("UploadPart", 1, 400, "InvalidParameter");
  const auto text = error_text<cairn::StoreError>([&] { store.upload_object("ck/big.bin", dir / "big.bin"); });
  BOOST_TEST(contains(text, "upload of 'oci://" + fake.bucket() + "/ck/big.bin' using OCI parallelized (multipart) "
                            "uploading failed: (the multipart upload was aborted) upload (part "), text);
  BOOST_TEST(contains(text, "HTTP 400 InvalidParameter: UploadPart failed as the test asked"), text);
  const json stats = fake.stats();
  BOOST_TEST(operations(stats, "AbortMultipartUpload") == 1, stats.dump());
  BOOST_TEST(stats.at("uploads_in_progress") == 0, stats.dump());
  BOOST_TEST(!stats.at("objects").at(fake.bucket()).contains("ck/big.bin"));
  // A commit refused for good is aborted as well; a transient one keeps its kind.
  fake.fail_next("CommitMultipartUpload", 1, 400, "InvalidUploadPart");
  BOOST_CHECK_THROW(store.upload_object("ck/big.bin", dir / "big.bin"), cairn::StoreError);
  BOOST_TEST(fake.stats().at("uploads_in_progress") == 0);
  fake.fail_next("CommitMultipartUpload", 4, 503, "ServiceUnavailable");
  const auto transient = error_text<cairn::TransientError>([&] { store.upload_object("ck/big.bin", dir / "big.bin"); });
  BOOST_TEST(contains(transient, "failed after 4 attempts: HTTP 503 ServiceUnavailable"), transient);
  BOOST_TEST(fake.stats().at("uploads_in_progress") == 0);
}

BOOST_AUTO_TEST_CASE(listing_follows_next_start_with_across_pages) {
  OciFakeOptions options;
  options.page_size = 2;
  OciFake fake(options);
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto store = ocitest::store_on(fake, {{"prefix", "p"}});
  auto root = ocitest::store_on(fake);
  TempDir dir;
  write_file(dir / "f", "x");
  std::vector<std::string> expected;
  for (const char* name : {"a", "b/1", "b/2", "c d", "e", "f~", "g/h/i"}) {
    store.upload_object(name, dir / "f");
    expected.emplace_back(name);
  }
  root.upload_object("q/outside", dir / "f");
  BOOST_TEST(store.list_objects() == expected);
  BOOST_TEST(store.list_objects("b/") == (std::vector<std::string>{"b/1", "b/2"}));
  BOOST_TEST(root.list_objects().size() == 8u);
  BOOST_TEST(operations(fake.stats(), "ListObjects") >= 4 + 1 + 4);  // pages of two
}

BOOST_AUTO_TEST_CASE(composer_error_mapping) {
  OciFakeOptions options;
  options.buckets = {"present"};
  OciFake fake(options);
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto store = ocitest::store_on(fake);
  TempDir dir;
  // ObjectNotFound -> NotFoundError (the existence check), and nothing is created.
  auto text = error_text<cairn::NotFoundError>([&] { store.get_object_size("nope.pt"); });
  BOOST_TEST(contains(text, "size query of 'oci://present/nope.pt' failed: HTTP 404"), text);
  BOOST_CHECK_THROW(store.download_object("nope.pt", dir / "x"), cairn::NotFoundError);
  BOOST_TEST(!std::filesystem::exists(dir / "x"));
  text = error_text<cairn::NotFoundError>([&] { store.delete_object("nope.pt"); });
  BOOST_TEST(contains(text, "delete of 'oci://present/nope.pt' failed: HTTP 404 ObjectNotFound"), text);

  // BucketNotFound is no "object absent": a StoreError of another kind, saying so.
  cairn::test::ScopedEnv env;
  fake.export_env(env);
  ocistore::OciStore missing(ocistore::resolve_oci_settings(cairn::Uri::parse("oci://absent"), json::object()));
  for (const auto& action : std::vector<std::function<void()>>{
           [&] { missing.get_object_size("x"); }, [&] { missing.list_objects(); },
           [&] { write_file(dir / "f", "x"); missing.upload_object("x", dir / "f"); }}) {
    try {
      action();
      BOOST_ERROR("no error for a missing bucket");
    } catch (const cairn::StoreError& e) {
      BOOST_TEST((e.kind() == cairn::StoreErrorKind::kOther), e.what());
      BOOST_TEST(contains(e.what(), "BucketNotFound"), e.what());
      BOOST_TEST(contains(e.what(), "(the bucket 'absent' of namespace 'cairnfakens' does not exist, or this user may not see it)"),
                 e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_wrong_key_is_an_authentication_error_without_secrets) {
  OciFake fake;
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  TempDir dir;
  // The fake's profile with another key: the service cannot verify the signatures.
  ocitest::config_with_another_key(fake, dir);
  auto store = ocitest::store_on(fake, {{"config_file", dir / "config"}, {"namespace", fake.namespace_name()}});
  write_file(dir / "f", "x");
  const auto text = error_text<cairn::AuthenticationError>([&] { store.upload_object("ck/ep1.pt", dir / "f"); });
  BOOST_TEST(contains(text, "upload of 'oci://" + fake.bucket() + "/ck/ep1.pt' failed: HTTP 401 NotAuthenticated"), text);
  BOOST_TEST(contains(text, "OCI refused the upload of object 'ck/ep1.pt' in bucket '" + fake.bucket() +
                            "' of namespace 'cairnfakens'; check user, fingerprint, key_file and tenancy of profile [DEFAULT] in " +
                            (dir / "config")), text);
  BOOST_TEST(!contains(text, "signature="));
  BOOST_TEST(!contains(text, "BEGIN"));
  // The namespace query is refused the same way (GET /n/ is signed too).
  auto asking = ocitest::store_on(fake, {{"config_file", dir / "config"}});
  const auto namespace_text = error_text<cairn::AuthenticationError>([&] { asking.list_objects(); });
  BOOST_TEST(contains(namespace_text, "namespace query of 'oci://" + fake.bucket() + "/' failed: HTTP 401"), namespace_text);
  const json stats = fake.stats();
  BOOST_TEST(stats.at("rejected").at("the signature does not verify with the user's public key").get<int>() == 2, stats.dump());
}

BOOST_AUTO_TEST_CASE(an_encrypted_key_with_its_pass_phrase_signs_every_call) {
  for (const bool traditional : {false, true}) {
    OciFakeOptions options;
    options.pass_phrase = "correct horse";
    options.traditional_key = traditional;
    OciFake fake(options);
    CAIRN_SKIP_UNLESS_AVAILABLE(fake);
    BOOST_TEST(contains(read_file(fake.key_file()), "ENCRYPTED"));
    auto store = ocitest::store_on(fake);
    TempDir dir;
    write_file(dir / "f", "payload");
    store.upload_object("k", dir / "f");
    store.download_object("k", dir / "g");
    BOOST_TEST(read_file(dir / "g") == "payload");
    BOOST_TEST(fake.stats().at("rejected").empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()
