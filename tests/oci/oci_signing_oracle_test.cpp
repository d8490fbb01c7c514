// Randomised requests, built by the oci client exactly as they go on the wire
// (odd object names, queries, bodies, an encrypted key), signed by Cairn and
// by npm oci-common 2.142.1's DefaultRequestSigner, the signer of OCI's
// TypeScript SDK (tests/oci/oci_sign.js), with the same date: the signatures
// must be byte-identical.
//
// oci-common signs x-date where Cairn (like OCI's Python and Go SDKs and the
// documentation) signs date, and lists a body's headers as "Content-Type
// Content-Length x-content-sha256" where the documentation has content-length
// before content-type (test-peers.md §3b). The server reads the order from
// headers="...", so both are valid; Cairn's signer is given oci-common's list
// here so that the two signing strings, and so the signatures, are comparable.
#include <boost/test/unit_test.hpp>

#include <random>
#include <regex>

#include "cairn/http/crypto.h"
#include "oci_client.h"
#include "oci_signer.h"
#include "oci_test_support.h"
#include "test_skip.h"

using nlohmann::json;

namespace {

const char* const kOracle = CAIRN_TEST_SOURCE_DIR "/tests/oci/oci_sign.js";
const char* const kNpmCache = CAIRN_TEST_SOURCE_DIR "/tests/support/npm_cache.py";
const char* const kDate = "Tue, 11 Jun 2024 10:15:00 GMT";

std::string random_text(std::mt19937_64& rng, const std::vector<std::string>& alphabet, size_t max_length) {
  std::string out;
  const size_t length = 1 + rng() % max_length;
  for (size_t i = 0; i < length; ++i) out += alphabet[rng() % alphabet.size()];
  return out;
}

std::vector<std::string> characters(const std::string& ascii, std::vector<std::string> extra = {}) {
  for (char c : ascii) extra.emplace_back(1, c);
  return extra;
}

// The Authorization parameters (name -> value).
std::map<std::string, std::string> parameters(const std::string& authorization) {
  std::map<std::string, std::string> out;
  static const std::regex parameter("(\\w+)=\"([^\"]*)\"");
  for (std::sregex_iterator it(authorization.begin(), authorization.end(), parameter), end; it != end; ++it) {
    out[(*it)[1]] = (*it)[2];
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(oci_signing_oracle)

BOOST_AUTO_TEST_CASE(random_requests_match_oci_common) {
  const auto installed = ocitest::run_command(std::string(CAIRN_TEST_PYTHON) + " " + kNpmCache + " install oci-common 2.142.1");
  if (installed.status == 77) CAIRN_SKIP_TEST("npm oci-common 2.142.1 cannot be installed here: " << installed.output);
  BOOST_REQUIRE_MESSAGE(installed.status == 0, installed.output);
  const std::string node_modules = installed.output.substr(0, installed.output.find('\n'));

  TempDir dir;
  write_file(dir / "plain.pem", ocitest::vector_private_key());
  // An encrypted key too: oci-common decrypts it with sshpk, Cairn with OpenSSL.
  const bool encrypted = ocitest::encrypt_key(dir / "plain.pem", "pass phrase!", dir / "enc.pem", true);
  const json vector_key = ocitest::signing_vectors()["key"];
  const std::string tenancy = vector_key["tenancy_ocid"], user = vector_key["user_ocid"];
  const std::string fingerprint = vector_key["actual_md5_fingerprint_of_public_key"];

  std::mt19937_64 rng(20240611);
  const auto name_chars = characters("abcXYZ019 -_.~+=&?#%!$'()*,;:@[]/", {"é", "ü", "日本", "☃"});
  const auto value_chars = characters("abcXYZ019 -_.~+=&/!$'()*,;:@");
  const std::vector<std::string> methods = {"GET", "HEAD", "DELETE", "PUT", "POST"};
  const std::vector<ocistore::Resource> resources = {ocistore::Resource::kObject, ocistore::Resource::kObjects,
                                                     ocistore::Resource::kUpload, ocistore::Resource::kUploads,
                                                     ocistore::Resource::kBucket};
  for (const bool with_passphrase : {false, true}) {
    if (with_passphrase && !encrypted) CAIRN_SKIP_TEST("the openssl command is not installed");
    BOOST_TEST_CONTEXT((with_passphrase ? "encrypted key" : "plain key")) {
      ocistore::OciSettings settings;
      settings.bucket = "bucket";
      settings.key = {tenancy + "/" + user + "/" + fingerprint, read_file(dir / (with_passphrase ? "enc.pem" : "plain.pem")),
                      with_passphrase ? "pass phrase!" : ""};
      json cases = json::array();
      std::vector<std::pair<cairn::http::Request, std::vector<std::string>>> ours;
      for (int i = 0; i < 100; ++i) {
        settings.prefix = i % 3 ? "" : random_text(rng, value_chars, 10) + "/";
        settings.namespace_name = "ns" + std::to_string(i);
        settings.endpoint = cairn::http::Endpoint::parse(
            i % 2 ? "http://127.0.0.1:" + std::to_string(8000 + i) : "https://objectstorage.eu-frankfurt-1.oraclecloud.com",
            "test");
        const ocistore::OciClient client(settings);
        ocistore::OciCall call{"test", random_text(rng, name_chars, 30), methods[rng() % methods.size()],
                               resources[rng() % resources.size()]};
        for (size_t q = 0, n = rng() % 4; q < n; ++q) {
          call.query.emplace_back(random_text(rng, characters("abcXYZ"), 8), rng() % 4 ? random_text(rng, value_chars, 20) : "");
        }
        const bool with_body = call.method == "PUT" || call.method == "POST";
        const bool json_body = with_body && rng() % 2 == 0;
        if (with_body) {
          call.body = cairn::http::RequestBody::memory(json_body ? json{{"object", random_text(rng, name_chars, 20)}}.dump()
                                                                 : random_text(rng, value_chars, 200));
          call.json_body = json_body;
        }
        if (call.method == "GET" && rng() % 2) call.headers = {{"range", "bytes=0-" + std::to_string(rng() % 100000)}};
        cairn::http::Request request = client.build_request(call, kDate);
        // As oci-common names the date and orders a body's headers (see the top).
        request.headers.emplace_back("x-date", kDate);
        std::vector<std::string> names = {"x-date", "(request-target)", "host"};
        if (json_body) names.insert(names.end(), {"Content-Type", "Content-Length", "x-content-sha256"});
        json headers = json::object();
        for (const auto& [name, value] : call.headers) headers[name] = value;
        if (json_body) headers["Content-Type"] = "application/json";
        cases.push_back({{"method", call.method}, {"uri", request.url}, {"date", kDate},
                         {"body", with_body ? json(call.body.data) : json(nullptr)}, {"exclude_body", !json_body},
                         {"headers", headers}});
        ours.emplace_back(std::move(request), std::move(names));
      }
      const json input = {{"key", {{"tenancy", tenancy}, {"user", user}, {"fingerprint", fingerprint},
                                   {"pem", settings.key.private_key_pem}, {"passphrase", settings.key.passphrase}}},
                          {"cases", cases}};
      write_file(dir / "cases.json", input.dump());
      const auto result = ocitest::run_command("NODE_PATH=" + ocitest::shell_quote(node_modules) + " node " + kOracle +
                                               " < " + (dir / "cases.json") + " > " + (dir / "signed.json"));
      BOOST_REQUIRE_MESSAGE(result.status == 0, "the oci-common oracle failed: " << result.output);
      const json signed_cases = json::parse(read_file(dir / "signed.json"));
      BOOST_REQUIRE(signed_cases.size() == ours.size());
      int compared = 0;
      for (size_t i = 0; i < ours.size(); ++i) {
        BOOST_TEST_CONTEXT("case " << i << " " << cases[i]["method"] << " " << cases[i]["uri"]) {
          const auto& [request, names] = ours[i];
          // oci-common computes the body headers itself: they must be Cairn's.
          for (const char* header : {"content-length", "x-content-sha256"}) {
            if (signed_cases[i]["headers"].contains(header) && names.size() > 3) {
              BOOST_TEST(cairn::http::find_header(request.headers, header) ==
                         signed_cases[i]["headers"][header].get<std::string>());
            }
          }
          const auto theirs = parameters(signed_cases[i]["authorization"].get<std::string>());
          const size_t target_at = request.url.find('/', request.url.find("://") + 3);
          const auto mine = parameters(ocistore::sign_request(request.method, request.url.substr(target_at), request.headers,
                                                              names, settings.key).authorization);
          BOOST_TEST(theirs.at("headers") == mine.at("headers"));
          BOOST_TEST(theirs.at("keyId") == mine.at("keyId"));
          // Compared as a flag: signatures must not appear in test logs.
          const bool same = theirs.at("signature") == mine.at("signature");
          BOOST_TEST(same, "the signatures differ");
          ++compared;
        }
      }
      BOOST_TEST(compared == 100);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
