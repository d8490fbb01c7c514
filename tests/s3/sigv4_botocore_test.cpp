// Randomised requests, signed by the S3 client exactly as they go on the wire,
// against botocore's S3 signer with the same timestamp.
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "cairn/http/client.h"
#include "cairn/http/crypto.h"
#include "s3_client.h"
#include "s3_test_support.h"
#include "test_skip.h"

namespace {

const char* const kOracle = CAIRN_TEST_SOURCE_DIR "/tests/s3/sigv4_botocore.py";

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

}  // namespace

BOOST_AUTO_TEST_SUITE(sigv4_botocore)

BOOST_AUTO_TEST_CASE(random_requests_match_botocore) {
  std::mt19937_64 rng(20240611);
  const auto key_chars = characters("abcXYZ019 -_.~+=&?#%!$'()*,;:@[]/", {"é", "ü", "日本", "☃", "  "});
  const auto value_chars = characters("abcXYZ019 -_.~+=&?#%/!$'()*,;:@");
  const std::vector<std::string> methods = {"GET", "PUT", "POST", "DELETE", "HEAD"};
  const std::vector<std::string> header_names = {"Range", "Content-Type", "x-amz-acl", "x-amz-meta-note", "Content-MD5",
                                                 "x-amz-storage-class", "If-Match", "Cache-Control"};
  nlohmann::json cases = nlohmann::json::array();
  std::vector<std::string> ours;
  for (int i = 0; i < 200; ++i) {
    const bool with_token = i % 3 == 0;
    const std::string secret = random_text(rng, value_chars, 40);
    auto settings = s3test::loopback_settings(i % 2 ? "http://127.0.0.1:9000" : "https://s3.example.com:8443/base/path",
                                              "bucket-" + std::to_string(i), "AKID" + std::to_string(i), secret);
    settings.region = i % 4 ? "us-east-1" : "eu-central-1";
    if (with_token) settings.credentials.session_token = "token/" + random_text(rng, value_chars, 30);
    const s3store::S3Client client(settings);

    s3store::S3Call call{"test", random_text(rng, key_chars, 30), methods[rng() % methods.size()]};
    call.bucket_level = rng() % 5 == 0;
    const size_t query_count = rng() % 4;
    for (size_t q = 0; q < query_count; ++q) {
      call.query.emplace_back(random_text(rng, key_chars, 8), rng() % 4 == 0 ? "" : random_text(rng, value_chars, 20));
    }
    const size_t header_count = rng() % 4;
    for (size_t h = 0; h < header_count; ++h) {
      call.headers.emplace_back(header_names[(h + rng()) % header_names.size()], random_text(rng, value_chars, 20));
    }
    // Names stay distinct (botocore's oracle keeps one value per name).
    std::sort(call.headers.begin(), call.headers.end());
    call.headers.erase(std::unique(call.headers.begin(), call.headers.end(),
                                   [](const auto& a, const auto& b) { return a.first == b.first; }),
                       call.headers.end());
    call.payload_hash = cairn::http::to_hex(s3test::random_bytes(32, i));
    char amz_date[32];
    std::snprintf(amz_date, sizeof(amz_date), "20240611T10%02d%02dZ", i / 60, i % 60);
    const cairn::http::Request request = client.build_request(call, amz_date);

    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [name, value] : call.headers) headers.push_back({name, value});
    cases.push_back({{"method", call.method}, {"url", request.url}, {"region", settings.region}, {"service", "s3"},
                     {"amz_date", amz_date}, {"access_key", settings.credentials.access_key_id}, {"secret_key", secret},
                     {"token", settings.credentials.session_token}, {"payload_hash", call.payload_hash}, {"headers", headers}});
    ours.push_back(cairn::http::find_header(request.headers, "Authorization"));
  }

  s3test::TempDir dir;
  s3test::write_file(dir / "cases.json", cases.dump());
  const auto result = s3test::run_command(std::string("/usr/bin/python3 ") + kOracle + " " + (dir / "signed.json") + " < " +
                                          (dir / "cases.json"));
  if (result.status == 3 || result.status == 127) {
    CAIRN_SKIP_TEST("botocore is not installed for /usr/bin/python3 (apt-get install python3-botocore)");
  }
  BOOST_REQUIRE_MESSAGE(result.status == 0, "the botocore oracle failed: " << result.output);
  const auto signed_cases = nlohmann::json::parse(s3test::read_file(dir / "signed.json"));
  BOOST_REQUIRE(signed_cases.size() == ours.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    BOOST_TEST_CONTEXT("case " << i << " " << cases[i]["method"] << " " << cases[i]["url"]) {
      // Compared as a flag: the values hold signatures, which test logs must not show.
      const bool same = ours[i] == signed_cases[i]["authorization"].get<std::string>();
      BOOST_TEST(same, "botocore's canonical request:\n" << signed_cases[i]["canonical_request"].get<std::string>());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
