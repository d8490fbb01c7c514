// Where the s3 store's settings come from: config over environment over the
// AWS profile files, as boto3 users expect; and the plugin's URI schemes.
#include <cstdlib>
#include <map>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/object_store.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"
#include "s3_settings.h"
#include "s3_store.h"
#include "s3_test_support.h"
#include "scoped_env.h"
#include "test_text.h"

using cairn::test::contains;
using nlohmann::json;

namespace {

const char* const kVariables[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                                  "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "S3_ENDPOINT_URL",
                                  "S3_CANNED_ACL", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_CA_BUNDLE",
                                  "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"};

// Clears the variables the store reads, points the AWS files into a fresh
// folder, and restores everything afterwards.
class CleanEnvironment {
 public:
  CleanEnvironment() {
    for (const char* name : kVariables) env_.unset(name);
    set("AWS_SHARED_CREDENTIALS_FILE", dir_ / "credentials");
    set("AWS_CONFIG_FILE", dir_ / "config");
  }
  void set(const char* name, const std::string& value) { env_.set(name, value); }
  const s3test::TempDir& dir() const { return dir_; }

 private:
  s3test::TempDir dir_;
  cairn::test::ScopedEnv env_;  // restored before dir_ is removed
};

cairn::Uri uri(const std::string& text) { return cairn::Uri::parse(text); }

}  // namespace

BOOST_AUTO_TEST_SUITE(s3_settings)

BOOST_AUTO_TEST_CASE(environment_keys_region_and_aws_virtual_host) {
  CleanEnvironment env;
  env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.set("AWS_SECRET_ACCESS_KEY", "env-secret");
  env.set("AWS_SESSION_TOKEN", "env-token");
  env.set("AWS_DEFAULT_REGION", "eu-west-3");
  const auto settings = s3store::resolve_s3_settings(uri("s3://my-bucket/ckpt/ep1.pt"), json());
  BOOST_TEST(settings.credentials.access_key_id == "AKIDENV");
  BOOST_TEST(settings.credentials.session_token == "env-token");
  BOOST_TEST(settings.region == "eu-west-3");
  BOOST_TEST(!settings.path_style);
  BOOST_TEST(settings.endpoint.scheme == "https");
  BOOST_TEST(settings.endpoint.host == "my-bucket.s3.eu-west-3.amazonaws.com");
  BOOST_TEST(settings.http.verify_tls);  // never off unless asked
  env.set("AWS_REGION", "ap-south-1");  // AWS_REGION wins over AWS_DEFAULT_REGION
  BOOST_TEST(s3store::resolve_s3_settings(uri("s3://my-bucket"), json()).region == "ap-south-1");
}

BOOST_AUTO_TEST_CASE(config_takes_precedence_over_environment) {
  CleanEnvironment env;
  env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.set("AWS_SECRET_ACCESS_KEY", "env-secret");
  env.set("S3_ENDPOINT_URL", "https://env.example.com");
  env.set("S3_CANNED_ACL", "bucket-owner-full-control");
  const json config = {{"bucket", "cfg-bucket"},
                       {"prefix", "/runs/a/"},
                       {"region_name", "auto"},
                       {"endpoint_url", "http://127.0.0.1:9000/"},
                       {"aws_access_key_id", "AKIDCFG"},
                       {"aws_secret_access_key", "cfg-secret"},
                       {"acl", "private"},
                       {"client_config", {{"connect_timeout", 5}, {"read_timeout", 7.5}, {"retries", {{"max_attempts", 9}, {"deadline", 60}}}}},
                       {"transfer_config", {{"multipart_threshold", 1 << 20}, {"multipart_chunksize", 6 << 20}, {"max_concurrency", 4}}}};
  const auto settings = s3store::resolve_s3_settings(cairn::Uri{}, config);
  BOOST_TEST(settings.bucket == "cfg-bucket");
  BOOST_TEST(settings.prefix == "runs/a/");
  BOOST_TEST(settings.region == "auto");
  BOOST_TEST(settings.endpoint.host == "127.0.0.1:9000");
  BOOST_TEST(settings.path_style);  // custom endpoints and IP hosts
  BOOST_TEST(settings.credentials.access_key_id == "AKIDCFG");
  BOOST_TEST(settings.credentials.secret_access_key == "cfg-secret");
  BOOST_TEST(settings.canned_acl == "private");
  BOOST_TEST(settings.http.connect_timeout_ms == 5000);
  BOOST_TEST(settings.http.stall_timeout_ms == 7500);
  BOOST_TEST(settings.retry.max_attempts == 10);  // botocore: max_attempts counts retries
  BOOST_TEST(settings.retry.deadline.count() == 60000);
  BOOST_TEST(settings.transfer.multipart_threshold == 1u << 20);
  BOOST_TEST(settings.transfer.multipart_chunksize == 6u << 20);
  BOOST_TEST(settings.transfer.max_concurrency == 4);

  const auto from_env = s3store::resolve_s3_settings(uri("s3://b"), json());
  BOOST_TEST(from_env.endpoint.host == "env.example.com");
  BOOST_TEST(from_env.path_style);
  BOOST_TEST(from_env.canned_acl == "bucket-owner-full-control");
  s3store::S3Store store(from_env);
  BOOST_TEST(store.get_uri("x/y.pt") == "s3://b/x/y.pt");
  BOOST_TEST(s3store::S3Store(settings).get_uri("y.pt") == "s3://cfg-bucket/runs/a/y.pt");
}

BOOST_AUTO_TEST_CASE(profiles_from_the_shared_files) {
  CleanEnvironment env;
  s3test::write_file(env.dir() / "credentials",
                     "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n\n"
                     "[work]\naws_access_key_id=AKIDWORK\naws_secret_access_key=work-secret\naws_session_token = work-token\n");
  s3test::write_file(env.dir() / "config", "[default]\nregion = us-west-2\n[profile work]\nregion = eu-north-1\ns3 =\n  addressing_style = path\n");
  auto settings = s3store::resolve_s3_settings(uri("s3://b"), json());
  BOOST_TEST(settings.credentials.access_key_id == "AKIDDEFAULT");
  BOOST_TEST(settings.region == "us-west-2");
  env.set("AWS_PROFILE", "work");
  settings = s3store::resolve_s3_settings(uri("s3://b"), json());
  BOOST_TEST(settings.credentials.access_key_id == "AKIDWORK");
  BOOST_TEST(settings.credentials.session_token == "work-token");
  BOOST_TEST(settings.region == "eu-north-1");
  // Environment keys win over the profile's, as in botocore.
  env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.set("AWS_SECRET_ACCESS_KEY", "env-secret");
  BOOST_TEST(s3store::resolve_s3_settings(uri("s3://b"), json()).credentials.access_key_id == "AKIDENV");
  env.set("AWS_PROFILE", "nope");
  const auto text = cairn::test::error_text<cairn::ConfigError>([] { s3store::resolve_s3_settings(uri("s3://b"), json()); });
  BOOST_TEST(contains(text, "AWS profile 'nope' (from AWS_PROFILE)"), text);
}

BOOST_AUTO_TEST_CASE(bad_settings_are_one_clear_line) {
  CleanEnvironment env;
  const auto no_keys = cairn::test::error_text<cairn::ConfigError>([] { s3store::resolve_s3_settings(uri("s3://b"), json()); });
  BOOST_TEST(contains(no_keys, "found no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), no_keys);
  env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.set("AWS_SECRET_ACCESS_KEY", "env-secret");
  const auto typo = cairn::test::error_text<cairn::ConfigError>([] { s3store::resolve_s3_settings(uri("s3://b"), json{{"endpoint", "x"}}); });
  BOOST_TEST(contains(typo, "endpoint"), typo);
  const auto bad_type = cairn::test::error_text<cairn::ConfigError>(
      [] { s3store::resolve_s3_settings(uri("s3://b"), json{{"transfer_config", {{"max_concurrency", "ten"}}}}); });
  BOOST_TEST(contains(bad_type, "max_concurrency"), bad_type);
  const auto bad_url = cairn::test::error_text<cairn::ConfigError>(
      [] { s3store::resolve_s3_settings(uri("s3://b"), json{{"endpoint_url", "s3.example.com"}}); });
  BOOST_TEST(contains(bad_url, "is not an http:// or https:// URL"), bad_url);
  const auto half_pair = cairn::test::error_text<cairn::ConfigError>(
      [] { s3store::resolve_s3_settings(uri("s3://b"), json{{"aws_access_key_id", "AKID"}}); });
  BOOST_TEST(contains(half_pair, "aws_secret_access_key"), half_pair);
  const auto clash = cairn::test::error_text<cairn::ConfigError>(
      [] { s3store::resolve_s3_settings(uri("s3://b"), json{{"bucket", "other"}}); });
  BOOST_TEST(contains(clash, "URI names bucket 'b'"), clash);
}

// Which CA bundle TLS trusts (cairn/http/store_settings.h): the setting, then
// AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE; a bad bundle is a clear
// error naming where it came from. End to end: tests/cli/store_tls_test.py.
BOOST_AUTO_TEST_CASE(ca_bundle_precedence_and_bad_bundles) {
  CleanEnvironment env;
  env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.set("AWS_SECRET_ACCESS_KEY", "env-secret");
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const std::string a = env.dir() / "a.pem", b = env.dir() / "b.pem", c = env.dir() / "c.pem",
                    not_pem = env.dir() / "key.pem";
  for (const auto& path : {a, b, c}) write_file(path, pem);
  write_file(not_pem, "-----BEGIN PRIVATE KEY-----\n");
  const auto resolve = [](const json& config = json()) { return s3store::resolve_s3_settings(uri("s3://b"), config).http; };
  BOOST_TEST(resolve().ca_bundle.empty());  // the system's store
  env.set("SSL_CERT_FILE", c);
  BOOST_TEST(resolve().ca_bundle == c);
  env.set("REQUESTS_CA_BUNDLE", b);
  BOOST_TEST(resolve().ca_bundle == b);
  env.set("AWS_CA_BUNDLE", a);
  BOOST_TEST(resolve().ca_bundle == a);
  BOOST_TEST(resolve().ca_bundle_source == "$AWS_CA_BUNDLE");
  BOOST_TEST(resolve({{"ca_bundle", c}}).ca_bundle == c);
  BOOST_TEST(resolve({{"verify", b}}).ca_bundle == b);  // boto3's verify=PATH
  BOOST_TEST(resolve({{"verify", true}}).verify_tls);
  BOOST_TEST(!resolve({{"verify", false}}).verify_tls);

  const std::string missing = env.dir() / "missing.pem";
  env.set("AWS_CA_BUNDLE", missing);
  const auto from_env = cairn::test::error_text<cairn::ConfigError>([&] { resolve(); });
  BOOST_TEST(contains(from_env, "$AWS_CA_BUNDLE names the CA bundle '" + missing + "', which cannot be read"), from_env);
  env.set("AWS_CA_BUNDLE", a);
  const auto no_cert = cairn::test::error_text<cairn::ConfigError>([&] { resolve({{"ca_bundle", not_pem}}); });
  BOOST_TEST(contains(no_cert, "config field 'ca_bundle' '" + not_pem + "' holds no PEM certificate"), no_cert);
  const auto folder = cairn::test::error_text<cairn::ConfigError>([&] { resolve({{"verify", env.dir().path().string()}}); });
  BOOST_TEST(contains(folder, "verify names the CA bundle"), folder);
  BOOST_TEST(contains(folder, "is a folder"), folder);
  const auto both = cairn::test::error_text<cairn::ConfigError>([&] { resolve({{"verify", a}, {"ca_bundle", a}}); });
  BOOST_TEST(contains(both, "cannot be given together with ca_bundle"), both);
}

// s3:// only: gs:// belongs to the gcs plugin (tests/gcs), which reuses this
// store for GCS HMAC keys.
BOOST_AUTO_TEST_CASE(plugin_routes_s3_uris) {
  CleanEnvironment env;
  env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.set("AWS_SECRET_ACCESS_KEY", "env-secret");
  cairn::EngineHost host;
  host.load_all({CAIRN_SHIPPED_PLUGIN_DIR});
  BOOST_TEST(host.handles_scheme("s3"));
  int s3_stores = 0;
  for (const auto& plugin : host.plugins()) {
    for (const auto& entry : plugin.entries) {
      if (plugin.name != "s3" || entry.kind != cairn::PluginKind::kObjectStore) continue;
      ++s3_stores;
      BOOST_TEST((entry.uri_schemes == std::vector<std::string>{"s3"}), "the s3 store handles only s3://");
    }
  }
  BOOST_TEST(s3_stores == 1);
  const auto store = host.open_store_for_uri(uri("S3://Bucket-1/x"), json());
  BOOST_TEST(store->get_uri("ep1.pt") == "s3://Bucket-1/ep1.pt");
  const auto ftp = cairn::test::error_text<cairn::ConfigError>([&] { host.open_store_for_uri(uri("ftp://b/x"), json()); });
  BOOST_TEST(contains(ftp, "no loaded plugin handles 'ftp://'"), ftp);
}

BOOST_AUTO_TEST_SUITE_END()
