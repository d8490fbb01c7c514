// Helpers shared by the s3 tests: temporary folders, files, running a
// command, and an S3Settings for a loopback endpoint.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

#include "s3_settings.h"
#include "temp_dir.h"

namespace s3test {

// The temporary folder and file helpers every test program shares.
using ::TempDir;
using ::read_file;
using ::write_file;

inline std::string random_bytes(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    const uint64_t word = rng();
    for (size_t j = 0; j < 8 && i + j < size; ++j) out[i + j] = static_cast<char>(word >> (8 * j));
  }
  return out;
}

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh, stdout and stderr captured.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Settings for a path-style endpoint with the given keys, defaults otherwise.
inline s3store::S3Settings loopback_settings(const std::string& endpoint_url, const std::string& bucket,
                                             const std::string& access_key, const std::string& secret_key) {
  s3store::S3Settings settings;
  settings.bucket = bucket;
  settings.endpoint = cairn::http::Endpoint::parse(endpoint_url, "test endpoint");
  settings.path_style = true;
  settings.credentials = {access_key, secret_key, ""};
  settings.retry.initial_backoff = std::chrono::milliseconds(10);
  settings.retry.max_backoff = std::chrono::milliseconds(100);
  return settings;
}

}  // namespace s3test
