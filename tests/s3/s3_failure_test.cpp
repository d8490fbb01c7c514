// The S3 store's failure handling against a scripted loopback server: a
// CompleteMultipartUpload that answers 200 with an <Error> body, the retry
// classifier (SlowDown, RequestTimeout, InternalError in bodies, 5xx), error
// mapping, and that every request arrives correctly signed.
#include <atomic>

#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "fake_s3_server.h"
#include "s3_store.h"
#include "s3_test_support.h"
#include "test_text.h"

using cairn::test::contains;
using s3test::Reply;
using s3test::ReceivedRequest;

namespace {

const char* const kSecret = "fake/Secret+Key0123456789abcdefghijklmn";

std::string error_body(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message +
         "</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>";
}

s3store::S3Settings settings_for(const s3test::FakeS3Server& server) {
  auto settings = s3test::loopback_settings(server.endpoint(), "bkt", "AKIDFAKE", kSecret);
  settings.retry.max_attempts = 4;
  settings.transfer.multipart_threshold = 6 << 20;
  settings.transfer.multipart_chunksize = 5 << 20;
  settings.transfer.max_concurrency = 3;
  return settings;
}

bool is_complete(const ReceivedRequest& r) { return r.method == "POST" && contains(r.target, "uploadId="); }
bool is_abort(const ReceivedRequest& r) { return r.method == "DELETE" && contains(r.target, "uploadId="); }

// A multipart-capable fake whose CompleteMultipartUpload answers as `complete` says.
Reply multipart_handler(const ReceivedRequest& r, const std::function<Reply()>& complete) {
  if (r.method == "POST" && contains(r.target, "?uploads")) {
    return {200, "<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>UP&amp;1</UploadId></InitiateMultipartUploadResult>"};
  }
  if (r.method == "PUT" && contains(r.target, "partNumber=")) return {200, "", {{"ETag", "\"etag-" + std::to_string(r.body.size()) + "\""}}};
  if (is_complete(r)) return complete();
  if (is_abort(r)) return {204, ""};
  return {400, error_body("Unexpected", r.method + " " + r.target)};
}

void check_all_signed(const s3test::FakeS3Server& server) {
  const auto requests = server.requests();
  BOOST_REQUIRE(!requests.empty());
  for (const auto& request : requests) {
    BOOST_TEST(s3test::signature_is_valid(request, kSecret, "us-east-1"), request.method << " " << request.target << " is not signed correctly");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(s3_failures)

BOOST_AUTO_TEST_CASE(complete_multipart_200_with_error_body_fails_and_aborts) {
  s3test::FakeS3Server server([](const ReceivedRequest& r) {
    return multipart_handler(r, [] { return Reply{200, error_body("InvalidPart", "One or more of the specified parts could not be found.")}; });
  });
  s3test::TempDir dir;
  s3test::write_file(dir / "big.bin", s3test::random_bytes(12 << 20, 1));
  s3store::S3Store store(settings_for(server));
  std::string text;
  try {
    store.upload_object("ckpt/big.bin", dir / "big.bin");
    BOOST_FAIL("the upload should have failed");
  } catch (const cairn::StoreError& e) {
    text = e.what();
    BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(cairn::StoreErrorKind::kOther));
  }
  BOOST_TEST(contains(text, "s3://bkt/ckpt/big.bin"), text);
  BOOST_TEST(contains(text, "complete multipart upload"), text);
  BOOST_TEST(contains(text, "HTTP 200 InvalidPart: One or more of the specified parts could not be found."), text);
  const auto requests = server.requests();
  BOOST_TEST(std::count_if(requests.begin(), requests.end(), is_complete) == 1);  // not retryable
  BOOST_TEST(std::count_if(requests.begin(), requests.end(), is_abort) == 1);
  BOOST_TEST(contains(requests.back().target, "uploadId=UP%261"));  // the XML-decoded id, encoded again
  check_all_signed(server);
}

BOOST_AUTO_TEST_CASE(complete_multipart_200_with_internal_error_is_retried) {
  std::atomic<int> completes{0};
  s3test::FakeS3Server server([&](const ReceivedRequest& r) {
    return multipart_handler(r, [&] {
      if (completes++ == 0) return Reply{200, error_body("InternalError", "We encountered an internal error. Please try again.")};
      return Reply{200, "<CompleteMultipartUploadResult><Key>k</Key><ETag>\"x-3\"</ETag></CompleteMultipartUploadResult>"};
    });
  });
  s3test::TempDir dir;
  s3test::write_file(dir / "big.bin", s3test::random_bytes(12 << 20, 2));
  s3store::S3Store store(settings_for(server));
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  std::mutex progress_lock;
  store.upload_object("big.bin", dir / "big.bin", [&](uint64_t done, uint64_t total) {
    std::lock_guard<std::mutex> guard(progress_lock);
    progress.emplace_back(done, total);
  });
  BOOST_TEST(completes == 2);
  const auto requests = server.requests();
  BOOST_TEST(std::count_if(requests.begin(), requests.end(), is_abort) == 0);
  // Three equal 5 MiB parts but the last; the part bodies add up to the file.
  std::vector<size_t> part_sizes;
  for (const auto& r : requests) {
    if (r.method == "PUT") part_sizes.push_back(r.body.size());
  }
  std::sort(part_sizes.rbegin(), part_sizes.rend());
  BOOST_TEST(part_sizes == (std::vector<size_t>{5 << 20, 5 << 20, 2 << 20}), boost::test_tools::per_element());
  BOOST_REQUIRE(!progress.empty());
  BOOST_TEST(progress.back().first == uint64_t{12} << 20);
  for (size_t i = 1; i < progress.size(); ++i) BOOST_TEST(progress[i].first >= progress[i - 1].first);
  check_all_signed(server);
}

BOOST_AUTO_TEST_CASE(retry_classifier_follows_status_and_error_code) {
  std::atomic<int> calls{0};
  // 503 SlowDown, then 400 RequestTimeout (retryable by its code alone), then success.
  s3test::FakeS3Server server([&](const ReceivedRequest&) {
    switch (calls++) {
      case 0: return Reply{503, error_body("SlowDown", "Please reduce your request rate.")};
      case 1: return Reply{400, error_body("RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period.")};
      default: return Reply{200, ""};
    }
  });
  s3test::TempDir dir;
  s3test::write_file(dir / "small.bin", "hello");
  s3store::S3Store store(settings_for(server));
  store.upload_object("a b+c.bin", dir / "small.bin");
  BOOST_TEST(calls == 3);
  for (const auto& r : server.requests()) {
    BOOST_TEST(r.body == "hello");
    BOOST_TEST(r.target == "/bkt/a%20b%2Bc.bin");
  }
  check_all_signed(server);
}

BOOST_AUTO_TEST_CASE(non_retryable_errors_are_not_retried_and_are_mapped) {
  std::string code = "InvalidArgument";
  int status = 400;
  s3test::FakeS3Server server([&](const ReceivedRequest&) { return Reply{status, error_body(code, "The message of " + code)}; });
  s3test::TempDir dir;
  s3test::write_file(dir / "small.bin", "hello");
  s3store::S3Store store(settings_for(server));

  const auto other = cairn::test::error_text<cairn::StoreError>([&] { store.upload_object("x.bin", dir / "small.bin"); });
  BOOST_TEST(contains(other, "upload of 's3://bkt/x.bin' failed: HTTP 400 InvalidArgument: The message of InvalidArgument"), other);
  BOOST_TEST(server.requests().size() == 1u);

  code = "NoSuchKey";
  status = 404;
  const auto missing = cairn::test::error_text<cairn::NotFoundError>([&] { store.download_object("gone.bin", dir / "out.bin"); });
  BOOST_TEST(contains(missing, "s3://bkt/gone.bin"), missing);
  BOOST_TEST(!std::filesystem::exists(dir / "out.bin"));

  code = "SignatureDoesNotMatch";
  status = 403;
  const auto denied = cairn::test::error_text<cairn::AuthenticationError>([&] { store.upload_object("ckpt/x.bin", dir / "small.bin"); });
  BOOST_TEST(contains(denied, "upload of 's3://bkt/ckpt/x.bin' failed: HTTP 403 SignatureDoesNotMatch"), denied);
  BOOST_TEST(contains(denied, "key 'ckpt/x.bin' in bucket 'bkt'"), denied);
  BOOST_TEST(!contains(denied, kSecret));
}

BOOST_AUTO_TEST_CASE(retries_end_with_a_transient_error_that_counts_attempts) {
  s3test::FakeS3Server server([](const ReceivedRequest&) { return Reply{500, error_body("InternalError", "We encountered an internal error.")}; });
  s3store::S3Store store(settings_for(server));
  const auto text = cairn::test::error_text<cairn::TransientError>([&] { store.get_object_size("k.bin"); });
  BOOST_TEST(contains(text, "size query of 's3://bkt/k.bin' failed after 4 attempts: HTTP 500"), text);
  BOOST_TEST(server.requests().size() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(s3_part_sizes)

BOOST_AUTO_TEST_CASE(parts_are_at_least_5_mib_and_never_more_than_10000) {
  BOOST_TEST(s3store::part_size_for(100 << 20, 1 << 20) == uint64_t{5} << 20);
  BOOST_TEST(s3store::part_size_for(100 << 20, 8 << 20) == uint64_t{8} << 20);
  for (const uint64_t size : {uint64_t{80} << 30, uint64_t{1} << 40, (uint64_t{5} << 40) - 1}) {
    const uint64_t part = s3store::part_size_for(size, 8 << 20);
    BOOST_TEST((size + part - 1) / part <= 10000u, size);
    BOOST_TEST(part % (1 << 20) == 0u);
  }
}

BOOST_AUTO_TEST_SUITE_END()
