// Service-account JWTs: byte for byte the ones Google's own C++ libraries
// make (the vectors of google-cloud-cpp and tensorstore), and accepted by
// PyJWT and google-auth, the libraries Google's Python users have.
#include <chrono>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "cairn/http/crypto.h"
#include "gcs_test_support.h"
#include "jwt.h"
#include "oauth_grants.h"

using nlohmann::json;

namespace {

json vectors() { return json::parse(gcstest::read_file(gcstest::vectors_dir() + "/service-account-jwt.json")); }

const json& vector_case(const json& all, const std::string& name_start) {
  for (const auto& c : all.at("cases")) {
    if (c.at("name").get<std::string>().rfind(name_start, 0) == 0) return c;
  }
  throw std::runtime_error("no vector case named " + name_start);
}

std::string private_key() { return gcstest::read_file(gcstest::vectors_dir() + "/fake-service-account-private-key.pem"); }

}  // namespace

BOOST_AUTO_TEST_SUITE(service_account_jwt)

BOOST_AUTO_TEST_CASE(rs256_signatures_of_strings) {
  const json all = vectors();
  const json& plain = vector_case(all, "RS256 signature of a plain string");  // base64url
  BOOST_TEST(gcsstore::base64url(cairn::http::rsa_sha256_sign(private_key(), plain.at("input").get<std::string>())) ==
             plain.at("expected_signature").get<std::string>());
  const json& blob = vector_case(all, "RSA-SHA256 blob signature");  // standard base64
  BOOST_TEST(cairn::http::base64_encode(cairn::http::rsa_sha256_sign(private_key(), blob.at("input").get<std::string>())) ==
             blob.at("expected_signature").get<std::string>());
}

BOOST_AUTO_TEST_CASE(header_and_claims_encode_as_tensorstore_does) {
  const json all = vectors();
  gcsstore::JwtClaims claims;
  claims.issuer = "b";
  claims.scope = "c";
  claims.audience = "4";
  claims.issued_at = 1547666103;
  const auto jwt = gcsstore::make_service_account_jwt(claims, "a", private_key());
  BOOST_TEST(jwt.encoded_header == vector_case(all, "JWT header encoding").at("expected_encoded_header").get<std::string>());
  BOOST_TEST(jwt.encoded_claims == vector_case(all, "JWT claim-set encoding").at("expected_encoded_claims").get<std::string>());
}

BOOST_AUTO_TEST_CASE(token_request_body) {
  const json all = vectors();
  const json& c = vector_case(all, "token request body");
  const std::string signing_input = c.at("signing_input").get<std::string>();
  const std::string assertion =
      signing_input + "." + gcsstore::base64url(cairn::http::rsa_sha256_sign(private_key(), signing_input));
  BOOST_TEST(gcsstore::jwt_grant_body(assertion) == c.at("expected_body").get<std::string>());
}

BOOST_AUTO_TEST_CASE(full_assertions_match_google_cloud_cpp_and_tensorstore) {
  const json all = vectors();
  const json key = json::parse(gcstest::read_file(gcstest::vectors_dir() + "/fake-service-account.json"));
  int checked = 0;
  for (const auto& c : all.at("cases")) {
    if (!c.contains("request_url")) continue;  // the full token requests
    BOOST_TEST_CONTEXT(c.at("name").get<std::string>()) {
      gcsstore::JwtClaims claims;
      claims.issuer = key.at("client_email").get<std::string>();
      claims.scope = c.at("scope").get<std::string>();
      claims.audience = c.at("request_url").get<std::string>();
      claims.subject = c.value("subject", json()).is_string() ? c.at("subject").get<std::string>() : "";
      claims.issued_at = c.at("now_unix").get<int64_t>();
      claims.lifetime_seconds = c.at("lifetime_seconds").get<int64_t>();
      const auto jwt = gcsstore::make_service_account_jwt(claims, key.at("private_key_id").get<std::string>(),
                                                          key.at("private_key").get<std::string>());
      BOOST_TEST(jwt.encoded_header == c.at("expected_encoded_header").get<std::string>());
      BOOST_TEST(jwt.encoded_claims == c.at("expected_encoded_claims").get<std::string>());
      BOOST_TEST(jwt.signature == c.at("expected_signature").get<std::string>());
      BOOST_TEST(gcsstore::jwt_grant_body(jwt.token()) == c.at("expected_body").get<std::string>());
      ++checked;
    }
  }
  BOOST_TEST(checked == 3);
}

BOOST_AUTO_TEST_CASE(pyjwt_and_google_auth_accept_what_cairn_signs) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  gcsstore::JwtClaims claims;
  claims.issuer = "foo-email@foo-project.iam.gserviceaccount.com";
  claims.scope = gcsstore::kStorageScope;
  claims.audience = "https://oauth2.googleapis.com/token";
  claims.issued_at = now.count();
  const auto jwt = gcsstore::make_service_account_jwt(claims, "a1a111aa1111a11a11a11aa111a111a1a1111111", private_key());
  const auto run = s3test::run_command(std::string(CAIRN_TEST_PYTHON) + " " + gcstest::source_dir() +
                                       "/tests/gcs/verify_jwt.py " + gcstest::vectors_dir() +
                                       "/fake-service-account-private-key.pem " + jwt.token() + " " + claims.audience);
  BOOST_REQUIRE_MESSAGE(run.status == 0, run.output);
  const json verified = json::parse(run.output);
  BOOST_TEST(verified.at("header").at("alg") == "RS256");
  BOOST_TEST(verified.at("header").at("kid") == "a1a111aa1111a11a11a11aa111a111a1a1111111");
  for (const char* library : {"pyjwt", "google_auth"}) {
    BOOST_TEST_CONTEXT(library) {
      const json& got = verified.at(library);
      BOOST_TEST(got.at("iss") == claims.issuer);
      BOOST_TEST(got.at("aud") == claims.audience);
      BOOST_TEST(got.at("scope") == claims.scope);
      BOOST_TEST(got.at("iat").get<int64_t>() == claims.issued_at);
      BOOST_TEST(got.at("exp").get<int64_t>() == claims.issued_at + 3600);
    }
  }
  // A token signed with another key is refused: the check can fail.
  std::string forged = jwt.token();
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  const auto refused = s3test::run_command(std::string(CAIRN_TEST_PYTHON) + " " + gcstest::source_dir() +
                                           "/tests/gcs/verify_jwt.py " + gcstest::vectors_dir() +
                                           "/fake-service-account-private-key.pem " + forged + " " + claims.audience);
  BOOST_TEST(refused.status == 1, refused.output);
}

BOOST_AUTO_TEST_SUITE_END()
