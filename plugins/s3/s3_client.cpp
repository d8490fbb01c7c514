#include "s3_client.h"

#include <algorithm>

#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "cairn/http/redact.h"
#include "cairn/http/response_checks.h"
#include "cairn/http/sigv4.h"
#include "cairn/http/url.h"
#include "s3_xml.h"

namespace s3store {

namespace http = cairn::http;
namespace sigv4 = cairn::http::sigv4;

namespace {

const char* const kEmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The <Error> document of a failed response, or, for a HEAD (no body), the status alone.
http::ServiceError parse_error(const http::Response& response) {
  http::ServiceError error{response.status, "", ""};
  if (const auto document = parse_error_document(response.body)) {
    error.code = document->code;
    error.message = document->message;
  } else if (!response.body.empty()) {
    // Not S3's XML (a proxy's HTML page).
    error.message = http::body_excerpt(response.body);
  }
  // A HEAD has no body to explain itself.
  if (error.code.empty() && error.message.empty()) {
    error.message = http::status_phrase(response.status);
  }
  return error;
}

bool is_not_found(const http::ServiceError& error) {
  return error.status == 404 || error.code == "NoSuchKey" || error.code == "NoSuchBucket" || error.code == "NotFound";
}

bool is_auth_failure(const http::ServiceError& error) {
  return error.status == 401 || error.status == 403 || error.code == "AccessDenied" ||
         error.code == "InvalidAccessKeyId" || error.code == "SignatureDoesNotMatch" || error.code == "ExpiredToken" ||
         error.code == "InvalidToken";
}

}  // namespace

bool is_retryable_s3_code(const std::string& code) {
  return code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" || code == "ServiceUnavailable" ||
         code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded" ||
         code == "IncompleteBody";
}

S3Client::S3Client(S3Settings settings) : settings_(std::move(settings)), http_(settings_.http) {
  rules_.retryable = [this](const http::ServiceError& error) {
    const auto& extra = settings_.extra_retryable_statuses;
    return is_retryable_s3_code(error.code) || std::find(extra.begin(), extra.end(), error.status) != extra.end();
  };
  rules_.scrub = [this](const std::string& text) { return scrub(text); };
}

std::string S3Client::uri_of(const std::string& object_name) const {
  return settings_.scheme + "://" + settings_.bucket + "/" + key_of(object_name);
}

std::string S3Client::scrub(const std::string& text) const {
  return http::redact(text, {settings_.credentials.secret_access_key, settings_.credentials.session_token});
}

http::Request S3Client::build_request(const S3Call& call, const std::string& amz_date) const {
  sigv4::Request signing;
  signing.method = call.method;
  const std::string& base = settings_.endpoint.path;
  const std::string bucket_part = settings_.path_style ? "/" + settings_.bucket : "";
  signing.path = base + bucket_part + "/" + (call.bucket_level ? "" : key_of(call.object));
  signing.query = call.query;
  signing.payload_hash = !call.payload_hash.empty() ? call.payload_hash
                         : call.body.in_memory() ? http::sha256_hex(call.body.bytes())
                         : kEmptyPayloadHash;
  signing.headers = call.headers;
  signing.headers.emplace_back("host", settings_.endpoint.host);
  signing.headers.emplace_back("x-amz-content-sha256", signing.payload_hash);
  signing.headers.emplace_back("x-amz-date", amz_date);
  if (!settings_.credentials.session_token.empty()) {
    signing.headers.emplace_back("x-amz-security-token", settings_.credentials.session_token);
  }
  const sigv4::Signature signature = sigv4::sign(signing, settings_.credentials, {settings_.region, "s3", amz_date, false});

  http::Request request;
  request.method = call.method;
  const std::string query = sigv4::canonical_query(call.query);
  request.url = settings_.endpoint.scheme + "://" + settings_.endpoint.host + sigv4::canonical_path(signing.path, false) +
                (query.empty() ? "" : "?" + query);
  request.headers = signing.headers;
  request.headers.emplace_back("Authorization", signature.authorization);
  request.body = http::RequestBody::view_of(call.body);
  request.sink = call.sink;
  return request;
}

http::Response S3Client::send(const S3Call& call, const std::function<void(uint64_t)>& on_bytes) const {
  http::ResponseRules rules = rules_;
  rules.error_of = [&call](const http::Response& response) -> std::optional<http::ServiceError> {
    if (!response.ok()) return parse_error(response);
    if (call.error_may_come_with_200 && parse_error_document(response.body)) return parse_error(response);
    return http::transfer_body_error(response, call.ranged, call.expected_body_bytes);
  };
  const std::string target = uri_of(call.object);  // a listing: the prefix listed
  try {
    return http::send_with_retry(http_, [&] { return build_request(call, sigv4::amz_date_now()); }, rules, settings_.retry,
                                 call.operation, target, on_bytes);
  } catch (const http::RequestError& e) {
    const http::Failure& failure = e.failure();
    const std::string message = scrub(failure.describe());
    if (is_not_found(failure.error)) {
      throw cairn::NotFoundError(message + (failure.error.code == "NoSuchBucket" ? " (the bucket does not exist)" : ""));
    }
    if (is_auth_failure(failure.error)) {
      const std::string what = call.bucket_level ? "prefix '" + key_of(call.object) + "'" : "key '" + key_of(call.object) + "'";
      throw cairn::AuthenticationError(message + " (" + settings_.store_name + " refused the " + call.operation + " of " +
                                       what + " in bucket '" + settings_.bucket +
                                       "'; check the access key, secret, region and the permissions on that bucket)");
    }
    if (failure.retryable) throw cairn::TransientError(message);
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, message);
  }
}

}  // namespace s3store
