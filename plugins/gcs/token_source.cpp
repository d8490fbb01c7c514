#include "token_source.h"

namespace gcsstore {

constexpr std::chrono::seconds CachedTokenSource::kRefreshMargin;

std::string CachedTokenSource::authorization() {
  std::lock_guard<std::mutex> guard(lock_);
  const auto now = clock_();
  if (token_.empty() || now >= refresh_at_) {
    Token fresh = fetch();
    // A token that lives less than twice the margin is used for half its life.
    const auto margin = std::min<std::chrono::seconds>(kRefreshMargin, fresh.expires_in / 2);
    token_ = std::move(fresh.access_token);
    refresh_at_ = now + fresh.expires_in - margin;
    ++fetches_;
  }
  return "Bearer " + token_;
}

void CachedTokenSource::invalidate(const std::string& authorization) {
  std::lock_guard<std::mutex> guard(lock_);
  // Another thread may have fetched a new token since this one was refused.
  if (authorization == "Bearer " + token_) token_.clear();
}

std::vector<std::string> CachedTokenSource::secrets() const {
  std::lock_guard<std::mutex> guard(lock_);
  return {token_};
}

int CachedTokenSource::fetches() const {
  std::lock_guard<std::mutex> guard(lock_);
  return fetches_;
}

}  // namespace gcsstore
