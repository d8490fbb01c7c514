// OCI request signing against OCI's published test values (the "Request
// Signatures" page, also oci-go-sdk's http_signer_test.go), byte for byte:
// signing strings, signatures and Authorization headers; then the requests
// the store sends (which headers each call signs, what its request-target is),
// and the passphrase-taking RSA signing of Cairn::http.
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "oci_client.h"
#include "oci_signer.h"
#include "oci_test_support.h"
#include "test_text.h"

using cairn::test::contains;
using nlohmann::json;

namespace {

// The URL's host and request-target (path and query as sent).
std::pair<std::string, std::string> split_url(const std::string& url) {
  const size_t host_start = url.find("://") + 3;
  const size_t path_start = url.find('/', host_start);
  return {url.substr(host_start, path_start - host_start), url.substr(path_start)};
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

ocistore::OciSettings vector_settings() {
  const json key = ocitest::signing_vectors()["key"];
  ocistore::OciSettings settings;
  settings.bucket = "ckpt";
  settings.prefix = "runs/";
  settings.namespace_name = "axaxnpcrorw5";
  settings.endpoint = cairn::http::Endpoint::parse("https://objectstorage.us-phoenix-1.oraclecloud.com", "test");
  settings.key = {key["key_id"].get<std::string>(), ocitest::vector_private_key(), ""};
  return settings;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(oci_signing)

BOOST_AUTO_TEST_CASE(published_vectors_match_byte_for_byte) {
  const json vectors = ocitest::signing_vectors();
  const ocistore::SigningKey key{vectors["key"]["key_id"].get<std::string>(), ocitest::vector_private_key(), ""};
  int signatures = 0, strings = 0;
  for (const json& c : vectors["cases"]) {
    BOOST_TEST_CONTEXT(c["name"].get<std::string>()) {
      const auto [host, target] = split_url(c["url"].get<std::string>());
      cairn::http::Headers headers;
      for (const json& h : c["headers"]) headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
      if (cairn::http::find_header(headers, "host").empty()) headers.emplace_back("host", host);
      if (c.contains("expected_x_content_sha256")) {
        BOOST_TEST(ocistore::content_sha256(c["body"].get<std::string>()) == c["expected_x_content_sha256"].get<std::string>());
        BOOST_TEST(c["body"].get<std::string>().size() == c["body_length"].get<size_t>());
      }
      const auto names = words(c["signed_headers"].get<std::string>());
      const ocistore::SignedRequest signed_request =
          ocistore::sign_request(c["method"].get<std::string>(), target, headers, names, key);
      BOOST_TEST(signed_request.signing_string == c["expected_signing_string"].get<std::string>());
      ++strings;
      if (c.contains("expected_signature")) {
        BOOST_TEST(signed_request.signature == c["expected_signature"].get<std::string>());
        BOOST_TEST(signed_request.authorization == c["expected_authorization"].get<std::string>());
        ++signatures;
      }
    }
  }
  BOOST_TEST(strings == 3);
  BOOST_TEST(signatures == 2);
  // The store's own header lists are the documentation's.
  BOOST_TEST(ocistore::signed_header_names(false) == words("date (request-target) host"));
  BOOST_TEST(ocistore::signed_header_names(true) ==
             words("date (request-target) host content-length content-type x-content-sha256"));
}

BOOST_AUTO_TEST_CASE(http_date_is_imf_fixdate_in_english) {
  BOOST_TEST(ocistore::http_date(1388957500) == "Sun, 05 Jan 2014 21:31:40 GMT");
  BOOST_TEST(ocistore::http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
}

BOOST_AUTO_TEST_CASE(a_header_to_sign_that_is_missing_is_an_error) {
  const ocistore::SigningKey key{"t/u/f", ocitest::vector_private_key(), ""};
  const auto text = cairn::test::error_text<cairn::Error>(
      [&] { ocistore::sign_request("GET", "/n/", {{"host", "h"}}, ocistore::signed_header_names(false), key); });
  BOOST_TEST(contains(text, "no 'date' header"), text);
}

BOOST_AUTO_TEST_CASE(object_calls_sign_three_headers_and_json_calls_six) {
  const ocistore::OciClient client(vector_settings());
  ocistore::OciCall put{"upload", "a b/c+d é.pt", "PUT", ocistore::Resource::kObject};
  put.body = cairn::http::RequestBody::memory("bytes");
  const auto request = client.build_request(put, "Thu, 05 Jan 2014 21:31:40 GMT");
  // Object names are one path segment: '/' is encoded with the rest.
  BOOST_TEST(request.url == "https://objectstorage.us-phoenix-1.oraclecloud.com/n/axaxnpcrorw5/b/ckpt/o/"
                            "runs%2Fa%20b%2Fc%2Bd%20%C3%A9.pt");
  const std::string authorization = cairn::http::find_header(request.headers, "authorization");
  BOOST_TEST(contains(authorization, "headers=\"date (request-target) host\""));
  BOOST_TEST(cairn::http::find_header(request.headers, "x-content-sha256").empty());

  ocistore::OciCall commit{"commit", "x.pt", "POST", ocistore::Resource::kUpload};
  commit.query = {{"uploadId", "id/1"}};
  commit.body = cairn::http::RequestBody::memory("{\"partsToCommit\":[]}");
  commit.json_body = true;
  const auto signed_commit = client.build_request(commit, "Thu, 05 Jan 2014 21:31:40 GMT");
  BOOST_TEST(signed_commit.url == "https://objectstorage.us-phoenix-1.oraclecloud.com/n/axaxnpcrorw5/b/ckpt/u/runs%2Fx.pt"
                                  "?uploadId=id/1");
  BOOST_TEST(contains(cairn::http::find_header(signed_commit.headers, "authorization"),
                      "headers=\"date (request-target) host content-length content-type x-content-sha256\""));
  BOOST_TEST(cairn::http::find_header(signed_commit.headers, "content-length") == "20");
  BOOST_TEST(cairn::http::find_header(signed_commit.headers, "x-content-sha256") ==
             ocistore::content_sha256("{\"partsToCommit\":[]}"));

  ocistore::OciCall list{"list", "", "GET", ocistore::Resource::kObjects};
  list.query = {{"prefix", "runs/ep 1/"}, {"start", "runs/b"}};
  BOOST_TEST(client.build_request(list, "d").url ==
             "https://objectstorage.us-phoenix-1.oraclecloud.com/n/axaxnpcrorw5/b/ckpt/o?prefix=runs/ep%201/&start=runs/b");
  BOOST_TEST(client.uri_of("x.pt") == "oci://ckpt/runs/x.pt");  // the prefix is part of the URI
}

BOOST_AUTO_TEST_CASE(encrypted_keys_sign_with_their_passphrase_and_never_prompt) {
  TempDir dir;
  write_file(dir / "plain.pem", ocitest::vector_private_key());
  const std::string data = "date: Thu, 05 Jan 2014 21:31:40 GMT";
  const std::string expected = cairn::http::rsa_sha256_sign(ocitest::vector_private_key(), data);
  for (const bool traditional : {false, true}) {
    BOOST_TEST_CONTEXT((traditional ? "PKCS#1 with Proc-Type" : "PKCS#8")) {
      const std::string encrypted = dir / (traditional ? "enc1.pem" : "enc8.pem");
      if (!ocitest::encrypt_key(dir / "plain.pem", "s3cret-phrase", encrypted, traditional)) {
        CAIRN_SKIP_TEST("the openssl command is not installed");
      }
      const std::string pem = read_file(encrypted);
      BOOST_TEST(contains(pem, "ENCRYPTED"));
      BOOST_TEST((cairn::http::rsa_sha256_sign(pem, data, "s3cret-phrase") == expected));
      // No passphrase, or a wrong one: an error that says which, never a prompt (stdin is not read).
      const auto none = cairn::test::error_text<cairn::Error>([&] { cairn::http::rsa_sha256_sign(pem, data); });
      BOOST_TEST(contains(none, "encrypted and no passphrase"), none);
      const auto wrong = cairn::test::error_text<cairn::Error>([&] { cairn::http::rsa_sha256_sign(pem, data, "nope"); });
      BOOST_TEST(contains(wrong, "passphrase is wrong"), wrong);
      BOOST_TEST(!contains(wrong, "nope"));
    }
  }
  const auto garbage = cairn::test::error_text<cairn::Error>([&] { cairn::http::rsa_sha256_sign("not a key", data, "x"); });
  BOOST_TEST(contains(garbage, "not a readable PEM private key"), garbage);
}

BOOST_AUTO_TEST_SUITE_END()
