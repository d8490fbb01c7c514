// The three ways Application Default Credentials turn into access tokens,
// each a CachedTokenSource:
//   - a service account's key: an RS256 JWT (jwt.h) traded at the key file's
//     token_uri (RFC 7523 JWT bearer grant);
//   - a user's refresh token (gcloud auth application-default login, or an
//     authorized_user key file): the refresh_token grant at its token_uri;
//   - the metadata server of a Google Cloud VM (GCE_METADATA_HOST, default
//     169.254.169.254): GET .../service-accounts/default/token with
//     "Metadata-Flavor: Google".
// Requests are retried as every store request is (408, 429, 5xx, resets). A
// failure throws one line naming the credential source and the endpoint's
// answer (OAuth2's error code and description), never a token or key:
// AuthenticationError when the endpoint refused (4xx), TransientError when
// retries ran out, StoreError otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "cairn/http/client.h"
#include "cairn/retry.h"
#include "token_source.h"

namespace gcsstore {

// Read and write objects: all a store does.
extern const char* const kStorageScope;
extern const char* const kGoogleTokenUri;  // https://oauth2.googleapis.com/token

struct ServiceAccountKey {
  std::string client_email;
  std::string private_key;  // PEM
  std::string private_key_id;
  std::string token_uri;
  std::string project_id;
  std::string quota_project_id;
};

struct AuthorizedUser {
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  std::string token_uri;
  std::string quota_project_id;
};

// What every grant needs besides its own data.
struct GrantContext {
  std::string origin;  // where the credentials were found, for describe()
  cairn::RetryPolicy retry;
  cairn::http::ClientOptions http;
};

class ServiceAccountSource : public CachedTokenSource {
 public:
  ServiceAccountSource(ServiceAccountKey key, GrantContext context);
  std::string describe() const override;
  std::vector<std::string> secrets() const override;
  std::string quota_project() const override { return key_.quota_project_id; }
  // Tests: seconds since the epoch for the JWT's iat (default: the system clock).
  void set_unix_clock(std::function<int64_t()> clock) { unix_clock_ = std::move(clock); }

 protected:
  Token fetch() override;

 private:
  ServiceAccountKey key_;
  GrantContext context_;
  cairn::http::Client http_;
  std::function<int64_t()> unix_clock_;
};

class AuthorizedUserSource : public CachedTokenSource {
 public:
  AuthorizedUserSource(AuthorizedUser user, GrantContext context);
  std::string describe() const override;
  std::vector<std::string> secrets() const override;
  std::string quota_project() const override { return user_.quota_project_id; }

 protected:
  Token fetch() override;

 private:
  AuthorizedUser user_;
  GrantContext context_;
  cairn::http::Client http_;
};

class MetadataServerSource : public CachedTokenSource {
 public:
  // `host` is host[:port] (GCE_METADATA_HOST's form).
  MetadataServerSource(std::string host, GrantContext context);
  std::string describe() const override;

  // Whether a metadata server answers at `host` (its root, with the
  // Metadata-Flavor header in the answer), within `timeout_ms`.
  static bool answers(const std::string& host, long timeout_ms);

 protected:
  Token fetch() override;

 private:
  std::string host_;
  GrantContext context_;
  cairn::http::Client http_;
};

}  // namespace gcsstore
