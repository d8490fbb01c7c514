// Sets or unsets environment variables for one scope and puts back what was
// there before (set to its old value, or unset), so a test case that points
// TMPDIR, S3_ENDPOINT_URL or AWS_* somewhere else cannot change the cases
// that run after it in the same process:
//
//   cairn::test::ScopedEnv env;
//   env.set("TMPDIR", dir / "tmp");
//   env.unset("AWS_PROFILE");
//   ...   // restored when `env` goes out of scope, in reverse order
#pragma once

#include <stdlib.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cairn::test {

class ScopedEnv {
 public:
  ScopedEnv() = default;
  ScopedEnv(const std::string& name, const std::string& value) { set(name, value); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() { restore(); }

  ScopedEnv& set(const std::string& name, const std::string& value) {
    remember(name);
    ::setenv(name.c_str(), value.c_str(), 1);
    return *this;
  }

  ScopedEnv& unset(const std::string& name) {
    remember(name);
    ::unsetenv(name.c_str());
    return *this;
  }

  // Puts every variable back now (the destructor then does nothing).
  void restore() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        ::unsetenv(it->first.c_str());
      }
    }
    saved_.clear();
  }

 private:
  void remember(const std::string& name) {
    const char* old = ::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
  }

  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace cairn::test
