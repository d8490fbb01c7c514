// A file descriptor closed on every way out of the scope that owns it.
#pragma once

#include <unistd.h>

namespace cairn {

struct UniqueFd {
  int fd = -1;

  explicit UniqueFd(int owned) : fd(owned) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace cairn
