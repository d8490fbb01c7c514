#include "oauth_grants.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/http/redact.h"
#include "cairn/http/response_checks.h"
#include "cairn/http/retry.h"
#include "cairn/http/url.h"
#include "jwt.h"

namespace gcsstore {

namespace http = cairn::http;

const char* const kStorageScope = "https://www.googleapis.com/auth/devstorage.read_write";
const char* const kGoogleTokenUri = "https://oauth2.googleapis.com/token";

namespace {

// OAuth2's error answer (RFC 6749 §5.2: {"error", "error_description"}), or
// a short excerpt of whatever else came back (the metadata server answers in
// plain text).
http::ServiceError token_error(const http::Response& response) {
  http::ServiceError error{response.status, "", ""};
  const auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_object() && json.contains("error")) {
    const auto& value = json["error"];
    if (value.is_string()) {
      error.code = value.get<std::string>();
      if (json.contains("error_description") && json["error_description"].is_string()) {
        error.message = json["error_description"].get<std::string>();
      }
    } else if (value.is_object()) {  // Google's API error shape, from some endpoints
      if (value.contains("status") && value["status"].is_string()) error.code = value["status"].get<std::string>();
      if (value.contains("message") && value["message"].is_string()) error.message = value["message"].get<std::string>();
    }
  } else {
    error.message = http::body_excerpt(response.body);
  }
  return error;
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    body += (body.empty() ? "" : "&") + http::percent_encode(name) + "=" + http::percent_encode(value);
  }
  return body;
}

// Sends a token request and reads {"access_token", "expires_in"}.
Token request_token(const http::Client& client, const http::Request& request, const GrantContext& context,
                    const std::string& source, const std::vector<std::string>& secrets) {
  const std::string what = "cannot get a GCS access token with " + source;
  http::ResponseRules rules;
  rules.error_of = [](const http::Response& response) -> std::optional<http::ServiceError> {
    if (response.ok()) return std::nullopt;
    return token_error(response);
  };
  rules.scrub = [&secrets](const std::string& text) { return http::redact(text, secrets); };
  const std::string url = request.url.substr(0, request.url.find('?'));
  http::Response response;
  try {
    response = http::send_with_retry(client, [&] { return request; }, rules, context.retry, "token request", url);
  } catch (const http::RequestError& e) {
    const http::Failure& failure = e.failure();
    const std::string message = what + ": " + http::redact(failure.describe(), secrets);
    const long status = failure.error.status;
    if (status == 400 || status == 401 || status == 403) {
      throw cairn::AuthenticationError(message + " (the credentials were refused; renew or replace them)");
    }
    if (failure.retryable) throw cairn::TransientError(message);
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, message);
  }
  const auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (!json.is_object() || !json.contains("access_token") || !json["access_token"].is_string() ||
      json["access_token"].get<std::string>().empty()) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            what + ": " + url + " answered HTTP " + std::to_string(response.status) +
                                " without an access_token");
  }
  Token token;
  token.access_token = json["access_token"].get<std::string>();
  if (json.contains("expires_in") && json["expires_in"].is_number()) {
    token.expires_in = std::chrono::seconds(std::max<int64_t>(1, json["expires_in"].get<int64_t>()));
  }
  return token;
}

http::Request form_post(const std::string& url, std::string body) {
  http::Request request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = http::RequestBody::memory(std::move(body));
  return request;
}

int64_t system_unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// --- service account --------------------------------------------------------

ServiceAccountSource::ServiceAccountSource(ServiceAccountKey key, GrantContext context)
    : key_(std::move(key)), context_(std::move(context)), http_(context_.http), unix_clock_(&system_unix_time) {}

std::string ServiceAccountSource::describe() const {
  return "service account '" + key_.client_email + "' from " + context_.origin;
}

std::vector<std::string> ServiceAccountSource::secrets() const {
  auto all = CachedTokenSource::secrets();
  all.push_back(key_.private_key);
  return all;
}

Token ServiceAccountSource::fetch() {
  JwtClaims claims;
  claims.issuer = key_.client_email;
  claims.scope = kStorageScope;
  claims.audience = key_.token_uri;
  claims.issued_at = unix_clock_();
  Jwt jwt;
  try {
    jwt = make_service_account_jwt(claims, key_.private_key_id, key_.private_key);
  } catch (const cairn::Error& e) {
    throw cairn::ConfigError("cannot sign a GCS token request with " + describe() + ": " + e.what() +
                             " (is private_key a PEM RSA key?)");
  }
  const std::string assertion = jwt.token();
  return request_token(http_, form_post(key_.token_uri, jwt_grant_body(assertion)), context_, describe(),
                       {assertion, jwt.signature});
}

// --- authorized user --------------------------------------------------------

AuthorizedUserSource::AuthorizedUserSource(AuthorizedUser user, GrantContext context)
    : user_(std::move(user)), context_(std::move(context)), http_(context_.http) {}

std::string AuthorizedUserSource::describe() const {
  return "user credentials (client_id '" + user_.client_id + "') from " + context_.origin;
}

std::vector<std::string> AuthorizedUserSource::secrets() const {
  auto all = CachedTokenSource::secrets();
  all.push_back(user_.client_secret);
  all.push_back(user_.refresh_token);
  return all;
}

Token AuthorizedUserSource::fetch() {
  const std::string body = form({{"grant_type", "refresh_token"},
                                 {"client_id", user_.client_id},
                                 {"client_secret", user_.client_secret},
                                 {"refresh_token", user_.refresh_token}});
  return request_token(http_, form_post(user_.token_uri, body), context_, describe(),
                       {user_.client_secret, user_.refresh_token});
}

// --- metadata server --------------------------------------------------------

MetadataServerSource::MetadataServerSource(std::string host, GrantContext context)
    : host_(std::move(host)), context_(std::move(context)), http_(context_.http) {}

std::string MetadataServerSource::describe() const {
  return "the metadata server at " + host_ + " (" + context_.origin + ")";
}

Token MetadataServerSource::fetch() {
  http::Request request;
  request.url = "http://" + host_ + "/computeMetadata/v1/instance/service-accounts/default/token";
  request.headers = {{"Metadata-Flavor", "Google"}};
  return request_token(http_, request, context_, describe(), {});
}

bool MetadataServerSource::answers(const std::string& host, long timeout_ms) {
  http::ClientOptions options;
  options.connect_timeout_ms = timeout_ms;
  options.request_timeout_ms = timeout_ms;
  http::Client client(options);
  http::Request request;
  request.url = "http://" + host + "/";
  request.headers = {{"Metadata-Flavor", "Google"}};
  try {
    const http::Response response = client.perform(request);
    return response.header("Metadata-Flavor") == "Google";
  } catch (const http::TransportError&) {
    return false;
  }
}

}  // namespace gcsstore
