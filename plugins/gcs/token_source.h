// Where a gcs store's OAuth2 access tokens come from, and how they are kept:
// a token is fetched when first needed, reused while it is valid, and fetched
// again before it expires (google-auth's margin, 3 min 45 s), so a request
// never goes out with a token about to lapse. One fetch at a time: threads
// that need a token while one is being fetched wait for it.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace gcsstore {

class TokenSource {
 public:
  virtual ~TokenSource() = default;

  // The Authorization header's value ("Bearer ..."), or "" for none (the
  // emulator). Throws AuthenticationError, TransientError or StoreError when
  // no token can be had; the message names describe() and holds no secret.
  virtual std::string authorization() = 0;
  // The server refused `authorization` (HTTP 401): fetch a new one next time.
  virtual void invalidate(const std::string& authorization) { (void)authorization; }
  // Where the credentials come from, for messages: "service account
  // 'a@p.iam.gserviceaccount.com' from GOOGLE_APPLICATION_CREDENTIALS=/k.json".
  virtual std::string describe() const = 0;
  // The secrets this source holds right now (tokens, refresh tokens), for
  // scrubbing messages.
  virtual std::vector<std::string> secrets() const { return {}; }
  // The credentials' quota_project_id ("" when none): the project billed for
  // requests unless the store's `project` names another.
  virtual std::string quota_project() const { return ""; }
};

// No authorization at all: STORAGE_EMULATOR_HOST, as Google's libraries do.
class AnonymousSource : public TokenSource {
 public:
  std::string authorization() override { return ""; }
  std::string describe() const override { return "no credentials (STORAGE_EMULATOR_HOST is set)"; }
};

struct Token {
  std::string access_token;
  std::chrono::seconds expires_in{3600};
};

// A source whose tokens come from a grant (fetch()) and are cached.
class CachedTokenSource : public TokenSource {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // Fetched this long before it expires (google-auth's REFRESH_THRESHOLD).
  static constexpr std::chrono::seconds kRefreshMargin{225};

  std::string authorization() final;
  void invalidate(const std::string& authorization) final;
  std::vector<std::string> secrets() const override;

  // Tests: the clock that decides expiry (default steady_clock::now).
  void set_clock(Clock clock) { clock_ = std::move(clock); }
  // How many tokens were fetched (tests).
  int fetches() const;

 protected:
  // Fetches a new token; throws as authorization() does.
  virtual Token fetch() = 0;

 private:
  Clock clock_ = [] { return std::chrono::steady_clock::now(); };
  mutable std::mutex lock_;
  std::string token_;
  std::chrono::steady_clock::time_point refresh_at_{};
  int fetches_ = 0;
};

}  // namespace gcsstore
