// Cairn::http's SigV4 signer against AWS's published test suite (aws-c-auth's copy, the
// header-signed variant of every case) and the S3 API Reference's worked
// examples, vendored under tests/s3/vectors.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "cairn/http/crypto.h"
#include "cairn/http/sigv4.h"
#include "cairn/http/url.h"

namespace fs = std::filesystem;
namespace sigv4 = cairn::http::sigv4;
using SigningRequest = sigv4::Request;

namespace {

const fs::path kVectors = fs::path(CAIRN_TEST_SOURCE_DIR) / "tests/s3/vectors";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string without_trailing_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// "2015-08-30T12:36:00Z" -> "20150830T123600Z"
std::string amz_date_of(const std::string& timestamp) {
  std::string out;
  for (char c : timestamp) {
    if (c != '-' && c != ':') out += c;
  }
  return out;
}

// A raw request.txt: "METHOD PATH?QUERY HTTP/1.1", header lines (a line
// starting with white space continues the previous header), blank line, body.
struct RawRequest {
  SigningRequest signing;
  std::string body;
};

RawRequest parse_request(const std::string& text) {
  RawRequest raw;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const auto space = line.find(' ');
  raw.signing.method = line.substr(0, space);
  std::string target = line.substr(space + 1, line.rfind(" HTTP/") - space - 1);
  const auto question = target.find('?');
  raw.signing.path = target.substr(0, question);
  if (question != std::string::npos) {
    std::istringstream query(target.substr(question + 1));
    std::string pair;
    while (std::getline(query, pair, '&')) {
      const auto eq = pair.find('=');
      raw.signing.query.emplace_back(cairn::http::percent_decode(pair.substr(0, eq)),
                                     eq == std::string::npos ? "" : cairn::http::percent_decode(pair.substr(eq + 1)));
    }
  }
  while (std::getline(in, line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') {
      raw.signing.headers.back().second += "\n" + line;
    } else {
      const auto colon = line.find(':');
      raw.signing.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
  }
  raw.body.assign(std::istreambuf_iterator<char>(in), {});
  return raw;
}

std::string authorization_line(const std::string& signed_request) {
  std::istringstream in(signed_request);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Authorization:", 0) == 0) return without_trailing_newlines(line.substr(14));
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sigv4_vectors)

BOOST_AUTO_TEST_CASE(aws_signing_test_suite_header_variants) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(kVectors / "aws-signing-test-suite/v4")) {
    const fs::path dir = entry.path();
    BOOST_TEST_CONTEXT("case " << dir.filename().string()) {
      const auto context = nlohmann::json::parse(slurp(dir / "context.json"));
      RawRequest raw = parse_request(slurp(dir / "request.txt"));
      const auto& credentials = context["credentials"];
      const sigv4::Credentials keys{credentials["access_key_id"], credentials["secret_access_key"],
                                      credentials.value("token", "")};
      const std::string amz_date = amz_date_of(context["timestamp"]);
      raw.signing.headers.emplace_back("X-Amz-Date", amz_date);
      if (!keys.session_token.empty() && !context.value("omit_session_token", false)) {
        raw.signing.headers.emplace_back("X-Amz-Security-Token", keys.session_token);
      }
      raw.signing.payload_hash = cairn::http::sha256_hex(raw.body);
      if (context.value("sign_body", false)) raw.signing.headers.emplace_back("x-amz-content-sha256", raw.signing.payload_hash);

      const auto signature = sigv4::sign(raw.signing, keys, {context["region"], context["service"], amz_date, context["normalize"]});
      BOOST_TEST(signature.canonical_request == without_trailing_newlines(slurp(dir / "header-canonical-request.txt")));
      BOOST_TEST(signature.string_to_sign == without_trailing_newlines(slurp(dir / "header-string-to-sign.txt")));
      BOOST_TEST(signature.signature == without_trailing_newlines(slurp(dir / "header-signature.txt")));
      BOOST_TEST(signature.authorization == authorization_line(slurp(dir / "header-signed-request.txt")));
      ++checked;
    }
  }
  BOOST_TEST(checked == 38);
}

BOOST_AUTO_TEST_CASE(s3_documentation_examples) {
  const auto examples = nlohmann::json::parse(slurp(kVectors / "aws-sigv4-s3-examples.json"));
  const sigv4::Credentials keys{examples["credentials"]["access_key_id"], examples["credentials"]["secret_access_key"], ""};
  BOOST_TEST(cairn::http::to_hex(sigv4::derive_signing_key(keys.secret_access_key, "20130524", "us-east-1", "s3")) ==
             examples["derived_signing_key_hex"].get<std::string>());
  int checked = 0;
  for (const auto& example : examples["header_signing_examples"]) {
    BOOST_TEST_CONTEXT("example " << example["name"].get<std::string>()) {
      SigningRequest request;
      request.method = example["method"];
      request.path = example["path"];
      for (const auto& pair : example["query"]) request.query.emplace_back(pair[0], pair[1]);
      for (const auto& pair : example["headers_to_sign"]) request.headers.emplace_back(pair[0], pair[1]);
      request.payload_hash = cairn::http::sha256_hex(example["body"].get<std::string>());
      BOOST_TEST(request.payload_hash == example["payload_sha256"].get<std::string>());
      const auto signature = sigv4::sign(request, keys, {"us-east-1", "s3", examples["x_amz_date"], false});
      BOOST_TEST(sigv4::canonical_path(request.path, false) == example["expected_canonical_uri"].get<std::string>());
      BOOST_TEST(signature.canonical_request == example["expected_canonical_request"].get<std::string>());
      BOOST_TEST(signature.string_to_sign == example["expected_string_to_sign"].get<std::string>());
      BOOST_TEST(signature.signature == example["expected_signature"].get<std::string>());
      ++checked;
    }
  }
  BOOST_TEST(checked == 4);
}

// S3 keys are not paths: "a//b/./c/../d" must be signed as written.
BOOST_AUTO_TEST_CASE(s3_paths_are_not_normalised) {
  BOOST_TEST(sigv4::canonical_path("/bucket/a//b/./c/../d e+f~", false) == "/bucket/a//b/./c/../d%20e%2Bf~");
  BOOST_TEST(sigv4::canonical_path("/a//b/./c/../d", true) == "/a/b/d");
}

BOOST_AUTO_TEST_SUITE_END()
