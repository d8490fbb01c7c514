#include "gcs_client.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/http/redact.h"
#include "cairn/http/response_checks.h"
#include "cairn/http/url.h"

namespace gcsstore {

namespace http = cairn::http;

http::ServiceError parse_google_error(const http::Response& response) {
  http::ServiceError error{response.status, "", ""};
  const auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_object() && json.contains("error") && json["error"].is_object()) {
    const auto& body = json["error"];
    if (body.contains("message") && body["message"].is_string()) error.message = body["message"].get<std::string>();
    if (body.contains("errors") && body["errors"].is_array() && !body["errors"].empty()) {
      const auto& first = body["errors"][0];
      if (first.is_object() && first.contains("reason") && first["reason"].is_string()) {
        error.code = first["reason"].get<std::string>();
      }
    }
    if (error.code.empty() && body.contains("status") && body["status"].is_string()) {
      error.code = body["status"].get<std::string>();
    }
  } else if (!response.body.empty()) {
    // Not Google's JSON (a media download's plain-text 404, a proxy's page).
    error.message = http::body_excerpt(response.body);
  }
  if (error.code.empty() && error.message.empty()) {
    error.message = http::status_phrase(response.status);
  }
  return error;
}

bool is_retryable_reason(const std::string& reason) {
  return reason == "rateLimitExceeded" || reason == "userRateLimitExceeded" || reason == "internalError" ||
         reason == "backendError";
}

GcsClient::GcsClient(GcsSettings settings, std::unique_ptr<TokenSource> tokens)
    : settings_(std::move(settings)), tokens_(std::move(tokens)), http_(settings_.http) {
  user_project_ = !settings_.project.empty() ? settings_.project : tokens_->quota_project();
}

std::string GcsClient::uri_of(const std::string& object_name) const {
  return "gs://" + settings_.bucket + "/" + key_of(object_name);
}

std::string GcsClient::api_root() const {
  return settings_.endpoint.scheme + "://" + settings_.endpoint.host + settings_.endpoint.path;
}

std::string GcsClient::metadata_url(const std::string& object_name) const {
  return api_root() + "/storage/v1/b/" + http::percent_encode(settings_.bucket) + "/o/" +
         http::percent_encode(key_of(object_name));
}

std::string GcsClient::media_url(const std::string& object_name, const std::string& generation) const {
  return api_root() + "/download/storage/v1/b/" + http::percent_encode(settings_.bucket) + "/o/" +
         http::percent_encode(key_of(object_name)) + "?alt=media" +
         (generation.empty() ? "" : "&generation=" + http::percent_encode(generation));
}

std::string GcsClient::upload_url(const std::string& upload_type, const std::string& object_name) const {
  return api_root() + "/upload/storage/v1/b/" + http::percent_encode(settings_.bucket) +
         "/o?uploadType=" + upload_type + "&name=" + http::percent_encode(key_of(object_name));
}

std::string GcsClient::list_url(const std::string& prefix, const std::string& page_token) const {
  return api_root() + "/storage/v1/b/" + http::percent_encode(settings_.bucket) +
         "/o?prefix=" + http::percent_encode(key_of(prefix)) + "&fields=items(name)%2CnextPageToken" +
         (page_token.empty() ? "" : "&pageToken=" + http::percent_encode(page_token));
}

std::string GcsClient::scrub(const std::string& text) const { return http::redact(text, tokens_->secrets()); }

http::Response GcsClient::send(const GcsCall& call) const { return send(call, settings_.retry); }

http::Response GcsClient::send(const GcsCall& call, const cairn::RetryPolicy& policy) const {
  // A 401 is retried once with a fresh token: the cached one may have been
  // revoked or may have expired early. A second 401 is final.
  bool refreshed = false;
  std::string sent_authorization;
  http::ResponseRules rules;
  rules.error_of = [&call](const http::Response& response) -> std::optional<http::ServiceError> {
    const bool answer = response.ok() || std::count(call.also_ok.begin(), call.also_ok.end(), response.status) > 0;
    if (!answer) return parse_google_error(response);
    // An answer in also_ok (a resumable upload's 308) is no transfer's body.
    if (!response.ok()) return std::nullopt;
    return http::transfer_body_error(response, call.ranged, call.expected_body_bytes);
  };
  rules.retryable = [&](const http::ServiceError& error) {
    if (error.code == "IncompleteBody" || is_retryable_reason(error.code)) return true;
    if (error.status == 401 && !refreshed && !sent_authorization.empty()) {
      tokens_->invalidate(sent_authorization);
      refreshed = true;
      return true;
    }
    return false;
  };
  rules.scrub = [this](const std::string& text) { return scrub(text); };
  const auto make_request = [&] {
    http::Request request;
    request.method = call.method;
    request.url = call.url;
    request.headers = call.headers;
    sent_authorization = tokens_->authorization();
    if (!sent_authorization.empty()) request.headers.emplace_back("Authorization", sent_authorization);
    if (!user_project_.empty()) request.headers.emplace_back("x-goog-user-project", user_project_);
    request.body = http::RequestBody::view_of(call.body);
    request.sink = call.sink;
    return request;
  };
  try {
    return http::send_with_retry(http_, make_request, rules, policy, call.operation, uri_of(call.object));
  } catch (const http::RequestError& e) {
    fail(call, e.failure());
  }
}

void GcsClient::fail(const GcsCall& call, const http::Failure& failure) const {
  const std::string message = scrub(failure.describe());
  const long status = failure.error.status;
  if (call.session && (status == 404 || status == 410)) {
    throw cairn::TransientError(message + " (the resumable upload session is gone; a new upload starts it again)");
  }
  if (status == 404) throw cairn::NotFoundError(message);
  if (status == 401 || status == 403) {
    const std::string what = call.bucket_level ? "objects under '" + key_of(call.object) + "'" : "object '" + key_of(call.object) + "'";
    throw cairn::AuthenticationError(message + " (GCS refused the " + call.operation + " of " + what + " in bucket '" +
                                     settings_.bucket + "' with " + tokens_->describe() +
                                     "; check that it may use that bucket)");
  }
  if (failure.retryable) throw cairn::TransientError(message);
  throw cairn::StoreError(cairn::StoreErrorKind::kOther, message);
}

}  // namespace gcsstore
