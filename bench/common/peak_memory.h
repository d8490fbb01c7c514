// The process's peak resident memory over a stretch of work, from Linux's
// /proc/self/status (VmHWM), which /proc/self/clear_refs resets:
//
//   reset_peak_rss();  work();  long kib = peak_rss_kib();
#pragma once

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace cairn::bench {

// A "<field>: <n> kB" line of /proc/self/status, in KiB; -1 when absent.
inline long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line))
    if (line.compare(0, n, field) == 0) return std::strtol(line.c_str() + n + 1, nullptr, 10);
  return -1;
}

// The peak becomes the current resident size.
inline void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// The peak since the last reset_peak_rss (or since the process started).
inline long peak_rss_kib() { return status_kib("VmHWM:"); }

}  // namespace cairn::bench
