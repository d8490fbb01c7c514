// Cairn::http on its own: crypto against published values, redaction, the
// retry policy's bounds, transport failures, and the response checks every
// store applies.
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "cairn/http/client.h"
#include "cairn/http/crypto.h"
#include "cairn/http/redact.h"
#include "cairn/http/response_checks.h"
#include "cairn/http/retry.h"
#include "cairn/http/url.h"
#include "free_port.h"
#include "s3_test_support.h"
#include "test_text.h"

namespace http = cairn::http;
using cairn::test::contains;


BOOST_AUTO_TEST_SUITE(http_library)

BOOST_AUTO_TEST_CASE(sha256_and_hmac_match_published_values) {
  // FIPS 180-2 appendix B.1 and B.2.
  BOOST_TEST(http::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  http::Sha256 pieces;
  pieces.update("abcdbcdecdefdefgefghfghighijhijkijkl");
  pieces.update("jklmklmnlmnomnopnopq");
  BOOST_TEST(pieces.finish_hex() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // RFC 4231 test case 2.
  BOOST_TEST(http::to_hex(http::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(file_range_hash_streams_the_range) {
  s3test::TempDir dir;
  const std::string data = s3test::random_bytes(3 << 20, 7);
  s3test::write_file(dir / "f.bin", data);
  const int fd = ::open((dir / "f.bin").c_str(), O_RDONLY);
  BOOST_TEST(http::sha256_hex_of_file_range(fd, 12345, 2 << 20) == http::sha256_hex(data.substr(12345, 2 << 20)));
  BOOST_CHECK_THROW(http::sha256_hex_of_file_range(fd, 3 << 20, 10), cairn::Error);
  ::close(fd);
}

BOOST_AUTO_TEST_CASE(rsa_sha256_reproduces_the_oci_published_signatures) {
  const std::string vectors = CAIRN_TEST_SOURCE_DIR "/tests/s3/vectors/";
  const auto cases = nlohmann::json::parse(s3test::read_file(vectors + "oci-signing.json"))["cases"];
  const std::string key = s3test::read_file(vectors + "oci-signing-private-key.pem");
  int checked = 0;
  for (const auto& c : cases) {
    if (!c.contains("expected_signature")) continue;
    BOOST_TEST(http::base64_encode(http::rsa_sha256_sign(key, c["expected_signing_string"].get<std::string>())) ==
               c["expected_signature"].get<std::string>());
    ++checked;
  }
  BOOST_TEST(checked >= 2);
  BOOST_CHECK_THROW(http::rsa_sha256_sign("not a key", "x"), cairn::Error);
}

BOOST_AUTO_TEST_CASE(base64_and_percent_encoding) {
  BOOST_TEST(http::base64_encode("foobar") == "Zm9vYmFy");
  BOOST_TEST(http::base64_encode("fo") == "Zm8=");
  BOOST_TEST(http::base64_decode("Zm9vYg==") == "foob");
  const std::string bytes = s3test::random_bytes(1000, 3);
  BOOST_TEST((http::base64_decode(http::base64_encode(bytes)) == bytes));
  BOOST_CHECK_THROW(http::base64_decode("Zm9v!"), cairn::Error);
  BOOST_TEST(http::percent_encode("a b+c/d~é", true) == "a%20b%2Bc/d~%C3%A9");
  BOOST_TEST(http::percent_encode("a/b") == "a%2Fb");
  BOOST_TEST(http::percent_decode("a%20b%2Bc+%zz") == "a b+c+%zz");
}

BOOST_AUTO_TEST_CASE(redaction_removes_credentials) {
  const std::string text =
      "PUT /b/k HTTP/1.1\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, "
      "SignedHeaders=host, Signature=0123abcd\nX-Amz-Security-Token: FQoGZXIvYXdzEJr\n"
      "url: https://h/k?X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok123&partNumber=1\n"
      "aws_secret_access_key = wJalrXUtnFEMI\n{\"aws_session_token\": \"sess-789\"} sig: Signature=\"q1w2e3\" mine: s3cr3t-value";
  const std::string clean = http::redact(text, {"s3cr3t-value"});
  for (const char* secret : {"0123abcd", "FQoGZXIvYXdzEJr", "deadbeef", "tok123", "wJalrXUtnFEMI", "sess-789", "q1w2e3", "s3cr3t-value"}) {
    BOOST_TEST(!contains(clean, secret), secret << " survived: " << clean);
  }
  BOOST_TEST(contains(clean, "partNumber=1"));  // the rest stays readable
  BOOST_TEST(contains(clean, "PUT /b/k"));
}

BOOST_AUTO_TEST_CASE(backoff_is_full_jitter_within_bounds) {
  cairn::RetryPolicy policy = http::default_retry_policy();
  policy.initial_backoff = std::chrono::milliseconds(100);
  policy.max_backoff = std::chrono::milliseconds(1000);
  std::chrono::milliseconds::rep largest_third = 0;
  for (int i = 0; i < 2000; ++i) {
    BOOST_TEST(policy.backoff_before(2).count() <= 100);
    const auto third = policy.backoff_before(3).count();
    BOOST_TEST(third <= 200);
    largest_third = std::max(largest_third, third);
    BOOST_TEST(policy.backoff_before(40).count() <= 1000);
  }
  BOOST_TEST(largest_third > 100);  // the ceiling doubles
}

BOOST_AUTO_TEST_CASE(connection_failures_are_retried_then_reported) {
  http::Client client;
  BOOST_TEST(client.options().verify_tls);  // on unless a caller turns it off
  const std::string url = "http://127.0.0.1:" + std::to_string(cairn::test::free_tcp_port()) + "/b/k?X-Amz-Signature=abc123";
  try {
    client.perform(http::Request{"GET", url});
    BOOST_FAIL("nothing listens there");
  } catch (const http::TransportError& e) {
    BOOST_TEST(e.retryable());
    BOOST_TEST(e.code() == "COULDNT_CONNECT");
    BOOST_TEST(!contains(e.what(), "abc123"));
  }
  cairn::RetryPolicy policy = http::default_retry_policy();
  policy.max_attempts = 3;
  policy.initial_backoff = std::chrono::milliseconds(1);
  int made = 0;
  try {
    http::send_with_retry(client, [&] { ++made; return http::Request{"GET", url}; }, {}, policy, "download", "s3://b/k");
    BOOST_FAIL("nothing listens there");
  } catch (const http::RequestError& e) {
    BOOST_TEST(made == 3);
    BOOST_TEST(e.failure().attempts == 3);
    BOOST_TEST(e.failure().retryable);
    BOOST_TEST(e.failure().error.code == "COULDNT_CONNECT");
    BOOST_TEST(contains(e.what(), "(COULDNT_CONNECT)"), e.what());
    BOOST_TEST(contains(e.what(), "download of 's3://b/k' failed after 3 attempts: GET http://127.0.0.1:"), e.what());
  }
  // A deadline already spent allows the first attempt only.
  policy.deadline = std::chrono::milliseconds(0);
  policy.initial_backoff = std::chrono::milliseconds(50);
  made = 0;
  BOOST_CHECK_THROW(http::send_with_retry(client, [&] { ++made; return http::Request{"GET", url}; }, {}, policy, "download", "k"),
                    http::RequestError);
  BOOST_TEST(made == 1);
}

BOOST_AUTO_TEST_CASE(response_checks_every_store_applies) {
  http::Response whole;
  whole.status = 200;
  whole.body_bytes = 10;
  // A ranged GET answered with the whole object is refused, whatever its size.
  const auto ignored = http::transfer_body_error(whole, /*ranged=*/true, 10);
  BOOST_REQUIRE(ignored.has_value());
  BOOST_TEST(ignored->code == "RangeIgnored");
  BOOST_TEST(!http::transfer_body_error(whole, false, 10).has_value());
  BOOST_TEST(!http::transfer_body_error(whole, false, -1).has_value());
  const auto short_body = http::transfer_body_error(whole, false, 11);
  BOOST_REQUIRE(short_body.has_value());
  BOOST_TEST(short_body->code == "IncompleteBody");
  BOOST_TEST(short_body->message == "received 10 of 11 bytes");
  http::Response range = whole;
  range.status = 206;
  BOOST_TEST(!http::transfer_body_error(range, true, 10).has_value());

  BOOST_TEST(http::body_excerpt("<html>\r\n<body>gateway\nerror</body>") == "<html>  <body>gateway error</body>");
  BOOST_TEST(http::body_excerpt(std::string(500, 'x')).size() == 200u);
  BOOST_TEST(http::status_phrase(404) == "Not Found");
  BOOST_TEST(http::status_phrase(401) == "Unauthorized");
  BOOST_TEST(http::status_phrase(500) == "");

  http::Response head;
  head.status = 200;
  head.headers = {{"content-length", "123456789012"}};
  BOOST_TEST(http::content_length_of(head, "size query of 's3://b/k'") == 123456789012ull);
  for (const std::string bad : {"", "12a", "-1", " 5", "99999999999999999999999"}) {
    head.headers = {{"Content-Length", bad}};
    try {
      http::content_length_of(head, "size query of 's3://b/k'");
      BOOST_FAIL("accepted Content-Length '" << bad << "'");
    } catch (const cairn::StoreError& e) {
      BOOST_TEST(contains(e.what(), "size query of 's3://b/k' failed: the server sent no usable Content-Length"), e.what());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
