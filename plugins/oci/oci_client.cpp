#include "oci_client.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/http/redact.h"
#include "cairn/http/response_checks.h"
#include "cairn/http/url.h"
#include "oci_signer.h"

namespace ocistore {

namespace http = cairn::http;

namespace {

// OCI's retry rule on top of 408, 429 and 5xx (oci.retry's DEFAULT_RETRY_STRATEGY).
bool is_retryable_oci_error(const http::ServiceError& error) { return error.status == 409 && error.code == "IncorrectState"; }

std::string encoded_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::string out;
  for (const auto& [name, value] : query) {
    // As the SDKs send it: '/' in a prefix stays as is.
    out += (out.empty() ? "" : "&") + http::percent_encode(name) + "=" + http::percent_encode(value, true);
  }
  return out;
}

}  // namespace

http::ServiceError parse_oci_error(const http::Response& response) {
  http::ServiceError error{response.status, "", ""};
  try {
    const auto document = nlohmann::json::parse(response.body);
    if (document.is_object()) {
      if (document.contains("code") && document["code"].is_string()) error.code = document["code"].get<std::string>();
      if (document.contains("message") && document["message"].is_string()) {
        error.message = document["message"].get<std::string>();
      }
    }
  } catch (const nlohmann::json::exception&) {
  }
  if (error.code.empty() && error.message.empty() && !response.body.empty()) {
    // Not OCI's JSON (a proxy's page).
    error.message = http::body_excerpt(response.body);
  }
  if (error.code.empty() && error.message.empty()) {  // a HEAD has no body to explain itself
    error.message = http::status_phrase(response.status);
  }
  return error;
}

OciClient::OciClient(OciSettings settings) : settings_(std::move(settings)), http_(settings_.http) {
  rules_.retryable = is_retryable_oci_error;
  rules_.scrub = [this](const std::string& text) { return scrub(text); };
}

std::string OciClient::uri_of(const std::string& object_name) const {
  return "oci://" + settings_.bucket + "/" + key_of(object_name);
}

std::string OciClient::scrub(const std::string& text) const { return http::redact(text, {settings_.key.passphrase}); }

std::string OciClient::missing_bucket_note() const {
  std::string ns = settings_.namespace_name;
  if (ns.empty()) {
    // Not waiting: this thread may be the one asking for the namespace.
    std::unique_lock<std::mutex> guard(namespace_lock_, std::try_to_lock);
    if (guard.owns_lock()) ns = namespace_;
  }
  return " (the bucket '" + settings_.bucket + "'" + (ns.empty() ? "" : " of namespace '" + ns + "'") +
         " does not exist, or this user may not see it)";
}

std::string OciClient::namespace_name() const {
  if (!settings_.namespace_name.empty()) return settings_.namespace_name;
  std::lock_guard<std::mutex> guard(namespace_lock_);
  if (!namespace_.empty()) return namespace_;
  OciCall call{"namespace query", "", "GET", Resource::kNamespace};
  const http::Response response = send(call);
  std::string name;
  try {
    name = nlohmann::json::parse(response.body).get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  if (name.empty()) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "namespace query of '" + uri_of("") +
                                                               "' failed: GET /n/ did not answer with a JSON string; "
                                                               "set the store's namespace instead");
  }
  namespace_ = name;
  return namespace_;
}

std::string OciClient::path_of(const OciCall& call) const {
  const std::string base = settings_.endpoint.path + "/n/";
  if (call.resource == Resource::kNamespace) return base;
  const std::string bucket = base + http::percent_encode(namespace_name()) + "/b/" + http::percent_encode(settings_.bucket);
  // Object names are one path segment: their '/' is encoded too, as the SDKs do.
  switch (call.resource) {
    case Resource::kBucket: return bucket + "/";
    case Resource::kObjects: return bucket + "/o";
    case Resource::kObject: return bucket + "/o/" + http::percent_encode(key_of(call.object));
    case Resource::kUploads: return bucket + "/u";
    case Resource::kUpload: return bucket + "/u/" + http::percent_encode(key_of(call.object));
    case Resource::kNamespace: break;
  }
  return base;
}

http::Request OciClient::build_request(const OciCall& call, const std::string& date) const {
  const std::string query = encoded_query(call.query);
  const std::string target = path_of(call) + (query.empty() ? "" : "?" + query);
  http::Request request;
  request.method = call.method;
  request.url = settings_.endpoint.scheme + "://" + settings_.endpoint.host + target;
  request.headers = {{"date", date}, {"host", settings_.endpoint.host}};
  if (call.json_body) {
    if (call.body.kind != http::RequestBody::Kind::kMemory) {
      throw cairn::Error("OCI signing: a signed body must be held in memory");
    }
    request.headers.emplace_back("content-length", std::to_string(call.body.data.size()));
    request.headers.emplace_back("content-type", "application/json");
    request.headers.emplace_back("x-content-sha256", content_sha256(call.body.data));
  }
  request.headers.insert(request.headers.end(), call.headers.begin(), call.headers.end());
  const SignedRequest signature =
      sign_request(call.method, target, request.headers, signed_header_names(call.json_body), settings_.key);
  request.headers.emplace_back("authorization", signature.authorization);
  request.body = http::RequestBody::view_of(call.body);
  request.sink = call.sink;
  return request;
}

http::Response OciClient::send(const OciCall& call, const std::function<void(uint64_t)>& on_bytes) const {
  // Asked before the request's own retries, so its failure is its own.
  const std::string ns = call.resource == Resource::kNamespace ? "" : namespace_name();
  http::ResponseRules rules = rules_;
  rules.error_of = [&call](const http::Response& response) -> std::optional<http::ServiceError> {
    if (!response.ok()) return parse_oci_error(response);
    return http::transfer_body_error(response, call.ranged, call.expected_body_bytes);
  };
  const std::string target = uri_of(call.object);  // a listing: the prefix listed
  try {
    return http::send_with_retry(http_, [&] { return build_request(call, http_date(std::time(nullptr))); }, rules,
                                 settings_.retry, call.operation, target, on_bytes);
  } catch (const http::RequestError& e) {
    const http::Failure& failure = e.failure();
    const std::string message = scrub(failure.describe());
    const std::string in_bucket = "bucket '" + settings_.bucket + "'" + (ns.empty() ? "" : " of namespace '" + ns + "'");
    if (failure.error.status == 401 || failure.error.status == 403) {
      const std::string what = call.resource == Resource::kNamespace ? "namespace query"
                               : call.resource == Resource::kObjects ? call.operation + " of prefix '" + key_of(call.object) + "'"
                                                                      : call.operation + " of object '" + key_of(call.object) + "'";
      throw cairn::AuthenticationError(message + " (OCI refused the " + what + " in " + in_bucket +
                                       "; check user, fingerprint, key_file and tenancy of profile [" + settings_.profile +
                                       "] in " + settings_.config_file + ", and the policies on that bucket)");
    }
    if (failure.error.code == "BucketNotFound") throw cairn::StoreError(cairn::StoreErrorKind::kOther, message + missing_bucket_note());
    if (failure.error.status == 404) {
      throw cairn::NotFoundError(message + (failure.error.code.empty() ? " (no error code)" : ""));
    }
    if (failure.retryable) throw cairn::TransientError(message);
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, message);
  }
}

}  // namespace ocistore
