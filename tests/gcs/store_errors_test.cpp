// The gcs store's operations and failures against the loopback fake with
// authorization on (a service account's tokens): listings across pages,
// ranged concurrent downloads of one generation, and Google's errors mapped
// to the SDK's kinds with the operation, object, status and reason named and
// no token anywhere.
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "gcs_test_support.h"
#include "test_skip.h"
#include "test_text.h"

using cairn::test::contains;
using nlohmann::json;

namespace {

struct Fixture {
  Fixture() : fake({"--service-account", gcstest::vectors_dir() + "/fake-service-account.json", "--page-size", "2"}) {}
  gcstest::CleanEnvironment env;
  gcstest::TempDir dir;
  gcstest::FakeGcs fake;

  std::unique_ptr<cairn::ObjectStore> store(json more = json::object()) {
    env.env().set("GOOGLE_APPLICATION_CREDENTIALS", gcstest::write_service_account(dir, fake.token_uri()));
    if (!more.contains("prefix")) more["prefix"] = "ck";
    return gcstest::open_store("gs://bkt/ck", gcstest::quick_config(fake.endpoint(), std::move(more)));
  }
  void put(cairn::ObjectStore& s, const std::string& name, const std::string& data) {
    write_file(dir / "src", data);
    s.upload_object(name, dir / "src");
  }
};

// No access token of the fake's ("ya29.fake-...") and no Authorization value.
void check_no_secret(const std::string& text) {
  BOOST_TEST(!contains(text, "ya29"), text);
  BOOST_TEST(!contains(text, "Bearer"), text);
  BOOST_TEST(text.find('\n') == std::string::npos, text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gcs_store_operations)

BOOST_FIXTURE_TEST_CASE(listing_follows_page_tokens_and_strips_the_prefix, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto s = store({{"prefix", "run/"}});
  for (const char* name : {"ep1.pt", "ep2.pt", "ep3.pt", "dir/a b+c.pt", "latest.symlink"}) put(*s, name, name);
  const auto names = s->list_objects();
  BOOST_TEST((names == std::vector<std::string>{"dir/a b+c.pt", "ep1.pt", "ep2.pt", "ep3.pt", "latest.symlink"}));
  BOOST_TEST((s->list_objects("ep") == std::vector<std::string>{"ep1.pt", "ep2.pt", "ep3.pt"}));
  BOOST_TEST(s->list_objects("none").empty());
  BOOST_TEST(s->get_uri("dir/a b+c.pt") == "gs://bkt/run/dir/a b+c.pt");
  s->delete_object("ep2.pt");
  BOOST_TEST(s->list_objects("ep").size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(large_downloads_are_concurrent_ranges, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto s = store({{"download_chunk_size", 100000}, {"max_concurrency", 4}});
  const std::string data = gcstest::random_bytes(1'234'567, 9);
  put(*s, "big.bin", data);
  // Called from the pool's threads (one at a time): checked here, on this one.
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  s->download_object("big.bin", dir / "big.back", false,
                     [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
  BOOST_REQUIRE(calls.size() == 14u);  // (0, total), then one per range
  for (size_t i = 0; i < calls.size(); ++i) {
    BOOST_TEST(calls[i].second == data.size());
    if (i > 0) BOOST_TEST(calls[i].first > calls[i - 1].first);
  }
  BOOST_TEST(calls.back().first == data.size());
  BOOST_TEST((gcstest::read_file(dir / "big.back") == data));
  // An existing destination is kept unless overwrite is asked for.
  BOOST_CHECK_THROW(s->download_object("big.bin", dir / "big.back"), cairn::AlreadyExistsError);
}

BOOST_FIXTURE_TEST_CASE(not_found_is_not_found, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto s = store();
  const std::string size = cairn::test::error_text<cairn::NotFoundError>([&] { s->get_object_size("missing.pt"); });
  BOOST_TEST(contains(size, "size query of 'gs://bkt/ck/missing.pt' failed: HTTP 404 notFound: No such object: bkt/ck/missing.pt"), size);
  check_no_secret(size);
  BOOST_CHECK_THROW(s->download_object("missing.pt", dir / "m"), cairn::NotFoundError);
  BOOST_TEST(!std::filesystem::exists(dir / "m"));
  BOOST_CHECK_THROW(s->delete_object("missing.pt"), cairn::NotFoundError);
}

BOOST_FIXTURE_TEST_CASE(forbidden_is_an_authentication_error_naming_bucket_object_and_operation, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto s = store();
  fake.configure("forbidden=ck/secret");
  write_file(dir / "f", "x");
  const std::string text = cairn::test::error_text<cairn::AuthenticationError>([&] { s->upload_object("secret/a.pt", dir / "f"); });
  BOOST_TEST(contains(text, "upload of 'gs://bkt/ck/secret/a.pt' failed: HTTP 403 forbidden"), text);
  BOOST_TEST(contains(text, "GCS refused the upload of object 'ck/secret/a.pt' in bucket 'bkt'"), text);
  BOOST_TEST(contains(text, "service account 'foo-email@foo-project.iam.gserviceaccount.com' from GOOGLE_APPLICATION_CREDENTIALS="), text);
  check_no_secret(text);
}

BOOST_FIXTURE_TEST_CASE(transient_errors_are_retried, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  auto s = store();
  fake.configure("fail_next=3");
  put(*s, "t.pt", "survives");
  BOOST_TEST(s->get_object_size("t.pt") == 8u);
  fake.configure("fail_next=1000");
  const std::string text = cairn::test::error_text<cairn::TransientError>([&] { s->get_object_size("t.pt"); });
  BOOST_TEST(contains(text, "size query of 'gs://bkt/ck/t.pt' failed after 5 attempts: HTTP 503 backendError"), text);
  check_no_secret(text);
}

BOOST_FIXTURE_TEST_CASE(config_errors_are_one_line, Fixture) {
  const auto fail = [](const json& config) {
    return cairn::test::error_text<cairn::ConfigError>([&] { gcstest::open_store("gs://b", config); });
  };
  BOOST_TEST(contains(fail({{"chunk_size", 1000000}}), "multiples of 262144"));
  BOOST_TEST(contains(fail({{"bucket", "other"}}), "URI names bucket 'b'"));
  BOOST_TEST(contains(fail({{"max_concurrency", 0}}), "between 1 and 256"));
  BOOST_TEST(contains(fail({{"retry", {{"tries", 3}}}}), "unknown config field"));
  BOOST_TEST(contains(fail({{"api_endpoint", "ftp://x"}}), "api_endpoint"));
  const std::string by_name = cairn::test::error_text<cairn::ConfigError>(
      [] { gcsstore::open_store(cairn::Uri{}, json::object()); });
  BOOST_TEST(contains(by_name, "bucket"), by_name);
}

BOOST_AUTO_TEST_SUITE_END()
