// Where the gcs store's credentials come from, in Composer's and then
// Google's order, and that every grant reaches a loopback token endpoint or
// metadata server (fake_gcs_server.py) that checks it as Google does: the
// JWT's signature and claims with PyJWT, the refresh token, the
// Metadata-Flavor header; storage requests are accepted only with a token it
// issued. Tokens are cached, fetched again before they expire, and after a
// 401; a failure names the credential source and never a secret.
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "credentials.h"
#include "gcs_test_support.h"
#include "test_skip.h"
#include "test_text.h"
#include "token_source.h"

using cairn::test::contains;
using nlohmann::json;

namespace {

const std::string kServiceAccountFile = gcstest::vectors_dir() + "/fake-service-account.json";

// The fake, accepting the vectors' service account and one authorized user.
struct Fixture {
  Fixture()
      : user_file(dir / "user-for-fake.json"),
        fake({"--service-account", kServiceAccountFile, "--authorized-user",
              gcstest::write_authorized_user(dir, "unused", "user-for-fake.json")}) {}
  gcstest::CleanEnvironment env;
  gcstest::TempDir dir;
  std::string user_file;
  gcstest::FakeGcs fake;

  std::unique_ptr<cairn::ObjectStore> store(json more = json::object()) {
    return gcstest::open_store("gs://bkt", gcstest::quick_config(fake.endpoint(), std::move(more)));
  }
  // An upload, a size query, a listing and a download: the token's users.
  void use(cairn::ObjectStore& s) {
    write_file(dir / "x.bin", "checkpoint bytes");
    s.upload_object("x.bin", dir / "x.bin");
    BOOST_TEST(s.get_object_size("x.bin") == 16u);
    BOOST_TEST(s.list_objects("x").size() == 1u);
    s.download_object("x.bin", dir / "x.back", true);
    BOOST_TEST(gcstest::read_file(dir / "x.back") == "checkpoint bytes");
  }
  int grants(const char* kind) { return fake.stats().at("grants").at(kind).get<int>(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(gcs_credentials)

BOOST_FIXTURE_TEST_CASE(service_account_from_google_application_credentials, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  env.env().set("GOOGLE_APPLICATION_CREDENTIALS", gcstest::write_service_account(dir, fake.token_uri()));
  auto s = store();
  use(*s);
  const json stats = fake.stats();
  BOOST_TEST(stats.at("grants").at("jwt_bearer").get<int>() == 1, "one token, cached for every request");
  BOOST_TEST(stats.at("refused").empty(), stats.at("refused").dump());
  BOOST_TEST(stats.at("unauthorized").get<int>() == 0);
  // What the fake's PyJWT verified.
  const json& claims = stats.at("last_claims").at("claims");
  BOOST_TEST(claims.at("iss") == "foo-email@foo-project.iam.gserviceaccount.com");
  BOOST_TEST(claims.at("aud") == fake.token_uri());
  BOOST_TEST(claims.at("scope") == "https://www.googleapis.com/auth/devstorage.read_write");
  BOOST_TEST(stats.at("last_claims").at("header").at("kid") == "a1a111aa1111a11a11a11aa111a111a1a1111111");
}

BOOST_FIXTURE_TEST_CASE(config_credentials_file_comes_before_the_environment, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  env.env().set("GOOGLE_APPLICATION_CREDENTIALS", dir / "missing.json");
  auto s = store({{"credentials_file", gcstest::write_service_account(dir, fake.token_uri())}});
  use(*s);
  BOOST_TEST(grants("jwt_bearer") == 1);
}

BOOST_FIXTURE_TEST_CASE(authorized_user_from_gcloud_uses_the_refresh_grant, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  // gcloud's file, found through HOME as Google's libraries find it.
  const std::string gcloud_dir = env.home() / ".config/gcloud";
  std::filesystem::create_directories(gcloud_dir);
  gcstest::write_file(gcloud_dir + "/application_default_credentials.json",
                      gcstest::read_file(gcstest::write_authorized_user(dir, fake.token_uri(), "adc.json")));
  auto s = store();
  BOOST_TEST(contains(dynamic_cast<gcsstore::GcsStore&>(*s).client().tokens().describe(),
                      "gcloud's application default credentials"));
  use(*s);
  BOOST_TEST(grants("refresh_token") == 1);
  BOOST_TEST(fake.stats().at("refused").empty());
}

BOOST_FIXTURE_TEST_CASE(metadata_server_last, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  env.env().set("GCE_METADATA_HOST", fake.metadata_host());
  auto s = store();
  BOOST_TEST(contains(dynamic_cast<gcsstore::GcsStore&>(*s).client().tokens().describe(), "metadata server"));
  use(*s);
  BOOST_TEST(grants("metadata") == 1);
  BOOST_TEST(fake.stats().at("refused").empty(), "every metadata request carried Metadata-Flavor: Google");
}

BOOST_FIXTURE_TEST_CASE(emulator_means_no_authorization, Fixture) {
  env.env().set("STORAGE_EMULATOR_HOST", "127.0.0.1:9199");
  const auto s = gcstest::open_store("gs://bkt/p", json::object());
  const auto& client = dynamic_cast<gcsstore::GcsStore&>(*s).client();
  BOOST_TEST(client.tokens().authorization().empty());
  BOOST_TEST(client.settings().endpoint.host == "127.0.0.1:9199");
  BOOST_TEST(client.settings().endpoint.scheme == "http");
}

BOOST_FIXTURE_TEST_CASE(tokens_are_fetched_again_before_they_expire, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  env.env().set("GOOGLE_APPLICATION_CREDENTIALS", gcstest::write_service_account(dir, fake.token_uri()));
  auto s = store();
  auto& tokens = dynamic_cast<gcsstore::CachedTokenSource&>(dynamic_cast<gcsstore::GcsStore&>(*s).client().tokens());
  auto now = std::chrono::steady_clock::now();
  tokens.set_clock([&now] { return now; });
  use(*s);
  BOOST_TEST(tokens.fetches() == 1);
  now += std::chrono::seconds(3599) - gcsstore::CachedTokenSource::kRefreshMargin - std::chrono::seconds(1);
  use(*s);
  BOOST_TEST(tokens.fetches() == 1, "still valid for more than the margin: reused");
  now += std::chrono::seconds(2);
  use(*s);
  BOOST_TEST(tokens.fetches() == 2, "within the margin of its expiry: fetched again");
  BOOST_TEST(grants("jwt_bearer") == 2);
}

BOOST_FIXTURE_TEST_CASE(a_revoked_token_is_replaced_after_a_401, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  env.env().set("GOOGLE_APPLICATION_CREDENTIALS", gcstest::write_service_account(dir, fake.token_uri()));
  auto s = store();
  use(*s);
  fake.configure("expire_tokens=1");
  use(*s);
  const json stats = fake.stats();
  BOOST_TEST(stats.at("unauthorized").get<int>() == 1);
  BOOST_TEST(stats.at("grants").at("jwt_bearer").get<int>() == 2);
}

BOOST_FIXTURE_TEST_CASE(a_refused_grant_is_one_line_naming_the_source_and_no_secret, Fixture) {
  CAIRN_SKIP_UNLESS_AVAILABLE(fake);
  // A refresh token the endpoint does not know.
  const std::string bad = gcstest::write_authorized_user(dir, fake.token_uri(), "bad.json", "1//revoked-refresh-token-xyz");
  auto s = store({{"credentials_file", bad}});
  write_file(dir / "y.bin", "y");
  const std::string text = cairn::test::error_text<cairn::AuthenticationError>([&] { s->upload_object("y.bin", dir / "y.bin"); });
  BOOST_TEST(contains(text, "user credentials (client_id '1234-fake.apps.googleusercontent.com') from the store's credentials_file=" + bad), text);
  BOOST_TEST(contains(text, "HTTP 400 invalid_grant"), text);
  BOOST_TEST(!contains(text, "revoked-refresh-token"), text);
  BOOST_TEST(!contains(text, "fake-client-secret"), text);
  BOOST_TEST(text.find('\n') == std::string::npos);
  // A service account whose key the endpoint does not hold: its JWT fails
  // PyJWT's signature check there.
  auto other = json::parse(gcstest::read_file(kServiceAccountFile));
  other["private_key"] = gcstest::read_file(gcstest::source_dir() + "/tests/s3/vectors/oci-signing-private-key.pem");
  other["token_uri"] = fake.token_uri();
  write_file(dir / "other.json", other.dump());
  auto s2 = store({{"credentials_file", dir / "other.json"}});
  const std::string text2 = cairn::test::error_text<cairn::AuthenticationError>([&] { s2->get_object_size("y.bin"); });
  BOOST_TEST(contains(text2, "service account 'foo-email@foo-project.iam.gserviceaccount.com'"), text2);
  BOOST_TEST(contains(text2, "Invalid JWT Signature"), text2);
  BOOST_TEST(!contains(text2, "eyJ"), text2);  // no JWT
}

BOOST_FIXTURE_TEST_CASE(bad_or_missing_credentials_are_config_errors, Fixture) {
  // Nothing anywhere: every place tried is named.
  const std::string none = cairn::test::error_text<cairn::ConfigError>([] { gcstest::open_store("gs://b", json::object()); });
  BOOST_TEST(contains(none, "no Google Cloud credentials for gs://b"), none);
  BOOST_TEST(contains(none, "GCS_KEY and GCS_SECRET"), none);
  BOOST_TEST(contains(none, "GOOGLE_APPLICATION_CREDENTIALS"), none);
  BOOST_TEST(contains(none, "application-default login"), none);
  BOOST_TEST(contains(none, "no metadata server answered at 127.0.0.1:9"), none);
  BOOST_TEST(none.find('\n') == std::string::npos);
  env.env().set("GOOGLE_APPLICATION_CREDENTIALS", dir / "nope.json");
  const std::string missing = cairn::test::error_text<cairn::ConfigError>([] { gcstest::open_store("gs://b", json::object()); });
  BOOST_TEST(contains(missing, "nope.json' (GOOGLE_APPLICATION_CREDENTIALS) cannot be read"), missing);
  write_file(dir / "garbage.json", "-----BEGIN PRIVATE KEY----- not json");
  env.env().set("GOOGLE_APPLICATION_CREDENTIALS", dir / "garbage.json");
  const std::string garbage = cairn::test::error_text<cairn::ConfigError>([] { gcstest::open_store("gs://b", json::object()); });
  BOOST_TEST(contains(garbage, "is not a JSON object"), garbage);
  BOOST_TEST(!contains(garbage, "BEGIN PRIVATE KEY"), garbage);
  write_file(dir / "ext.json", R"({"type": "external_account", "audience": "x"})");
  env.env().set("GOOGLE_APPLICATION_CREDENTIALS", dir / "ext.json");
  const std::string external = cairn::test::error_text<cairn::ConfigError>([] { gcstest::open_store("gs://b", json::object()); });
  BOOST_TEST(contains(external, "type 'external_account'"), external);
  write_file(dir / "half.json", R"({"type": "service_account", "client_email": "a@b"})");
  env.env().set("GOOGLE_APPLICATION_CREDENTIALS", dir / "half.json");
  const std::string half = cairn::test::error_text<cairn::ConfigError>([] { gcstest::open_store("gs://b", json::object()); });
  BOOST_TEST(contains(half, "has no \"private_key\""), half);
}

BOOST_AUTO_TEST_SUITE_END()
