#include "azure_client.h"

#include "azure_signing.h"
#include "cairn/errors.h"
#include "cairn/http/redact.h"
#include "cairn/http/response_checks.h"
#include "s3_xml.h"

namespace libcloud {

namespace http = cairn::http;

namespace {

// Azure's <Error> document has S3's shape (Code, Message); a HEAD has no body
// and names its error in the x-ms-error-code header instead.
http::ServiceError parse_error(const http::Response& response) {
  http::ServiceError error{response.status, response.header("x-ms-error-code"), ""};
  if (const auto document = s3store::parse_error_document(response.body)) {
    if (!document->code.empty()) error.code = document->code;
    // Azure appends "\nRequestId:...\nTime:..." to its message: the first line says it.
    error.message = document->message.substr(0, document->message.find_first_of("\r\n"));
  } else if (!response.body.empty()) {
    // Not Azure's XML (a proxy's page).
    error.message = http::body_excerpt(response.body);
  }
  if (error.code.empty() && error.message.empty()) {
    error.message = http::status_phrase(response.status);
  }
  return error;
}

bool is_not_found(const http::ServiceError& error) {
  return error.status == 404 || error.code == "BlobNotFound" || error.code == "ContainerNotFound" ||
         error.code == "ResourceNotFound";
}

bool is_auth_failure(const http::ServiceError& error) {
  return error.status == 401 || error.status == 403 || error.code == "AuthenticationFailed" ||
         error.code == "AuthorizationFailure" || error.code == "AuthorizationPermissionMismatch" ||
         error.code == "InsufficientAccountPermissions" || error.code == "InvalidAuthenticationInfo";
}

}  // namespace

bool is_retryable_azure_error(long status, const std::string& code) {
  return status == 409 || status == 425 || code == "ServerBusy" || code == "OperationTimedOut" ||
         code == "InternalError";
}

AzureClient::AzureClient(AzureSettings settings) : settings_(std::move(settings)), http_(settings_.http) {}

std::string AzureClient::uri_of(const std::string& blob) const {
  return settings_.uri_scheme + "://" + settings_.container + "/" + blob;
}

std::string AzureClient::scrub(const std::string& text) const {
  return http::redact(text, {settings_.account_key_text});
}

http::Request AzureClient::build_request(const AzureCall& call, const std::string& date) const {
  SharedKeyRequest signing;
  signing.method = call.method;
  signing.encoded_path = settings_.endpoint.path + "/" + http::percent_encode(settings_.container) +
                         (call.container_level ? "" : "/" + http::percent_encode(call.blob, /*keep_slash=*/true));
  signing.query = call.query;
  signing.headers = call.headers;
  signing.headers.emplace_back("x-ms-date", date);
  signing.headers.emplace_back("x-ms-version", settings_.api_version);
  // libcurl sends the length of every body it uploads; it is signed, so it is
  // named here with the value libcurl will send.
  if (call.method != "GET" && call.method != "HEAD") {
    signing.headers.emplace_back("Content-Length", std::to_string(call.body.size()));
  }

  http::Request request;
  request.method = call.method;
  std::string query;
  for (const auto& [name, value] : call.query) {
    query += (query.empty() ? "?" : "&") + http::percent_encode(name) + "=" + http::percent_encode(value);
  }
  request.url = settings_.endpoint.scheme + "://" + settings_.endpoint.host + signing.encoded_path + query;
  request.headers = signing.headers;
  request.headers.emplace_back("Authorization",
                               shared_key_authorization(signing, settings_.account, settings_.account_key));
  request.body = http::RequestBody::view_of(call.body);
  request.sink = call.sink;
  return request;
}

http::Response AzureClient::send(const AzureCall& call, const std::function<void(uint64_t)>& on_bytes) const {
  http::ResponseRules rules;
  rules.error_of = [&call](const http::Response& response) -> std::optional<http::ServiceError> {
    if (!response.ok()) return parse_error(response);
    return http::transfer_body_error(response, call.ranged, call.expected_body_bytes);
  };
  rules.retryable = [](const http::ServiceError& error) {
    return is_retryable_azure_error(error.status, error.code) || error.code == "IncompleteBody";
  };
  rules.scrub = [this](const std::string& text) { return scrub(text); };
  const std::string target = uri_of(call.blob);  // a listing: the prefix listed
  try {
    return http::send_with_retry(http_, [&] { return build_request(call, rfc1123_date_now()); }, rules,
                                 settings_.retry, call.operation, target, on_bytes);
  } catch (const http::RequestError& e) {
    const http::Failure& failure = e.failure();
    const std::string message = scrub(failure.describe());
    if (is_not_found(failure.error)) {
      throw cairn::NotFoundError(message + (failure.error.code == "ContainerNotFound"
                                                ? " (the container '" + settings_.container + "' does not exist)"
                                                : ""));
    }
    if (is_auth_failure(failure.error)) {
      const std::string what = call.container_level ? "prefix '" + call.blob + "'" : "blob '" + call.blob + "'";
      throw cairn::AuthenticationError(message + " (Azure refused the " + call.operation + " of " + what +
                                       " in container '" + settings_.container + "' of storage account '" +
                                       settings_.account + "'; check the account name and key, and the account's "
                                       "permissions)");
    }
    if (failure.retryable) throw cairn::TransientError(message);
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, message);
  }
}

}  // namespace libcloud
