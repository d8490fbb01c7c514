// The libcloud store's configuration: Composer's LibcloudObjectStore
// arguments, the azure:// mapping and its environment variables, the
// provider table's refusals, and Composer's progress-callback contract.
#include <boost/test/unit_test.hpp>

#include "azure_store.h"
#include "cairn/errors.h"
#include "libcloud_test_support.h"
#include "scoped_env.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;
using cairn::test::ScopedEnv;
using libcloudtest::open_store;
using nlohmann::json;

namespace {

const char* const kKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

// The Azure settings a store was opened with.
const libcloud::AzureSettings& azure_of(cairn::ObjectStore& store) {
  auto& provider = dynamic_cast<libcloud::LibcloudStore&>(store).provider();
  return dynamic_cast<libcloud::AzureBlobStore&>(provider).client().settings();
}

// Nothing Composer's azure:// mapping reads, for a case that sets its own.
void clear_azure_env(ScopedEnv& env) {
  env.unset("AZURE_ACCOUNT_NAME").unset("AZURE_ACCOUNT_ACCESS_KEY").unset("AZURE_STORAGE_CONNECTION_STRING");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(libcloud_settings)

BOOST_AUTO_TEST_CASE(an_unknown_or_missing_provider_lists_the_known_ones) {
  const std::string unknown = error_text<cairn::ConfigError>([] {
    open_store({{"provider", "magicloud"}, {"container", "c"}});
  });
  BOOST_TEST(contains(unknown, "'magicloud'"), unknown);
  BOOST_TEST(contains(unknown, "local, azure_blobs, s3, minio, google_storage"), unknown);
  const std::string missing = error_text<cairn::ConfigError>([] { open_store({{"container", "c"}}); });
  BOOST_TEST(contains(missing, "provider"), missing);
  BOOST_TEST(contains(missing, "azure_blobs"), missing);
}

BOOST_AUTO_TEST_CASE(provider_names_are_libclouds_in_any_case_and_name_the_uri) {
  auto store = open_store({{"provider", "AZURE_BLOBS"},
                           {"container", "ckpt"},
                           {"provider_kwargs", {{"key", "acct"}, {"secret", kKey}}}});
  BOOST_TEST(store->get_uri("run/ep1.pt") == "azure_blobs://ckpt/run/ep1.pt");
  // Azure's public cloud: the account is in the host, https by default.
  const auto& azure = azure_of(*store);
  BOOST_TEST(azure.endpoint.scheme == "https");
  BOOST_TEST(azure.endpoint.host == "acct.blob.core.windows.net");
  BOOST_TEST(azure.endpoint.path == "");
}

BOOST_AUTO_TEST_CASE(other_hosts_are_path_style_with_the_account_first_as_libcloud_does) {
  auto store = open_store({{"provider", "azure_blobs"},
                           {"container", "ckpt"},
                           {"provider_kwargs", {{"key", "acct"}, {"secret", kKey}, {"host", "127.0.0.1"}, {"port", 10000}, {"secure", false}}}});
  const auto& azure = azure_of(*store);
  libcloud::AzureClient client(azure);
  libcloud::AzureCall call{"download", "dir/a b+c.pt", "GET"};
  const auto request = client.build_request(call, "Mon, 01 Jan 2024 00:00:00 GMT");
  BOOST_TEST(request.url == "http://127.0.0.1:10000/acct/ckpt/dir/a%20b%2Bc.pt");
}

BOOST_AUTO_TEST_CASE(azure_uris_read_composers_variables) {
  ScopedEnv env;
  clear_azure_env(env);
  const std::string missing = error_text<cairn::ConfigError>([] { open_store(json::object(), "azure://ckpt/run"); });
  BOOST_TEST(contains(missing, "$AZURE_ACCOUNT_NAME"), missing);
  env.set("AZURE_ACCOUNT_NAME", "acct");
  const std::string no_secret = error_text<cairn::ConfigError>([] { open_store(json::object(), "azure://ckpt/run"); });
  BOOST_TEST(contains(no_secret, "$AZURE_ACCOUNT_ACCESS_KEY"), no_secret);
  env.set("AZURE_ACCOUNT_ACCESS_KEY", kKey);
  auto store = open_store(json::object(), "azure://ckpt/run");
  BOOST_TEST(store->get_uri("run/ep1.pt") == "azure://ckpt/run/ep1.pt");
  BOOST_TEST(azure_of(*store).account == "acct");
  // Another provider cannot serve azure://.
  const std::string wrong = error_text<cairn::ConfigError>([] { open_store({{"provider", "s3"}}, "azure://ckpt"); });
  BOOST_TEST(contains(wrong, "azure_blobs"), wrong);
}

BOOST_AUTO_TEST_CASE(azure_uris_take_what_is_unset_from_the_connection_string) {
  ScopedEnv env;
  clear_azure_env(env);
  env.set("AZURE_STORAGE_CONNECTION_STRING",
          std::string("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=") + kKey +
              ";BlobEndpoint=http://127.0.0.1:10999/devstoreaccount1;");
  auto store = open_store(json::object(), "azure://ckpt");
  const auto& azure = azure_of(*store);
  BOOST_TEST(azure.account == "devstoreaccount1");
  BOOST_TEST(azure.endpoint.host == "127.0.0.1:10999");
  BOOST_TEST(azure.endpoint.path == "/devstoreaccount1");
  // Composer's variables come first.
  env.set("AZURE_ACCOUNT_NAME", "other");
  BOOST_TEST(azure_of(*open_store(json::object(), "azure://ckpt")).account == "other");
  // UseDevelopmentStorage=true is Azurite at its default port.
  clear_azure_env(env);
  env.set("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true");
  auto dev = open_store(json::object(), "azure://ckpt");
  BOOST_TEST(azure_of(*dev).endpoint.host == "127.0.0.1:10000");
}

BOOST_AUTO_TEST_CASE(the_environment_is_read_only_for_what_provider_kwargs_lacks) {
  libcloudtest::TempDir dir;
  std::filesystem::create_directories(dir.path() / "from_env" / "c");
  std::filesystem::create_directories(dir.path() / "from_kwargs" / "c");
  libcloudtest::write_file(dir / "f.bin", "data");
  ScopedEnv env("CAIRN_TEST_BASE", (dir.path() / "from_env").string());
  auto by_kwargs = open_store({{"provider", "local"},
                               {"container", "c"},
                               {"key_environ", "CAIRN_TEST_BASE"},
                               {"provider_kwargs", {{"key", (dir.path() / "from_kwargs").string()}}}});
  by_kwargs->upload_object("x.bin", dir / "f.bin");
  BOOST_TEST(std::filesystem::exists(dir.path() / "from_kwargs" / "c" / "x.bin"));
  auto by_env = open_store({{"provider", "local"}, {"container", "c"}, {"key_environ", "CAIRN_TEST_BASE"}});
  by_env->upload_object("y.bin", dir / "f.bin");
  BOOST_TEST(std::filesystem::exists(dir.path() / "from_env" / "c" / "y.bin"));
}

BOOST_AUTO_TEST_CASE(bad_settings_name_the_field_and_never_the_secret) {
  const std::string bad_key = error_text<cairn::ConfigError>([] {
    open_store({{"provider", "azure_blobs"}, {"container", "c"},
                {"provider_kwargs", {{"key", "acct"}, {"secret", "not base64 at all!"}}}});
  });
  BOOST_TEST(contains(bad_key, "provider_kwargs.secret"), bad_key);
  BOOST_TEST(!contains(bad_key, "not base64 at all!"), bad_key);
  const std::string unknown_kwarg = error_text<cairn::ConfigError>([] {
    open_store({{"provider", "s3"}, {"container", "c"}, {"provider_kwargs", {{"bucket", "b"}}}});
  });
  BOOST_TEST(contains(unknown_kwarg, "'bucket'"), unknown_kwarg);
  const std::string url_host = error_text<cairn::ConfigError>([] {
    open_store({{"provider", "minio"}, {"container", "c"},
                {"provider_kwargs", {{"key", "k"}, {"secret", "s"}, {"host", "http://minio:9000"}}}});
  });
  BOOST_TEST(contains(url_host, "host"), url_host);
  const std::string no_host = error_text<cairn::ConfigError>([] {
    open_store({{"provider", "minio"}, {"container", "c"}, {"provider_kwargs", {{"key", "k"}, {"secret", "s"}}}});
  });
  BOOST_TEST(contains(no_host, "provider_kwargs.host"), no_host);
  const std::string mismatch = error_text<cairn::ConfigError>([] {
    open_store({{"provider", "local"}, {"container", "a"}}, "libcloud://b");
  });
  BOOST_TEST(contains(mismatch, "container"), mismatch);
  const std::string old_api = error_text<cairn::ConfigError>([] {
    open_store({{"provider", "azure_blobs"}, {"container", "c"},
                {"provider_kwargs", {{"key", "acct"}, {"secret", kKey}, {"api_version", "2018-11-09"}}}});
  });
  BOOST_TEST(contains(old_api, "api_version"), old_api);
  const std::string no_secret = error_text<cairn::ConfigError>([] {
    open_store({{"provider", "s3"}, {"container", "c"}, {"provider_kwargs", {{"key", "k"}}}, {"secret_environ", "CAIRN_NO_SUCH_VAR"}});
  });
  BOOST_TEST(contains(no_secret, "$CAIRN_NO_SUCH_VAR"), no_secret);
}

BOOST_AUTO_TEST_CASE(progress_follows_composers_chunks) {
  // Composer's test_libcloud_object_store_callback: a 100-byte file, chunks of 100 and 128.
  for (uint64_t chunk : {100u, 128u, 10u, 7u}) {
    libcloudtest::ProgressLog log;
    const cairn::ProgressFn fn = libcloud::chunked_progress(log.fn(), chunk);
    // Updates in uneven steps, as parts of other sizes complete.
    fn(0, 100);
    fn(33, 100);
    fn(64, 100);
    fn(100, 100);
    libcloudtest::check_composer_progress(log, 100, chunk);
  }
  libcloudtest::ProgressLog empty;
  const cairn::ProgressFn fn = libcloud::chunked_progress(empty.fn(), 10);
  fn(0, 0);
  fn(0, 0);
  BOOST_TEST(empty.calls.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
