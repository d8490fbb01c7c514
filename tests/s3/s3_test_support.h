// Helpers shared by the s3 tests: temporary folders, files, running a
// command (the shared ones of tests/support), and an S3Settings for a
// loopback endpoint.
#pragma once

#include <string>

#include "s3_settings.h"
#include "temp_dir.h"
#include "test_process.h"

namespace s3test {

// The temporary folder and file helpers every test program shares.
using ::TempDir;
using ::read_file;
using ::write_file;

// Test data and commands (tests/support/test_process.h).
using cairn::test::CommandResult;
using cairn::test::random_bytes;
using cairn::test::run_command;
using cairn::test::shell_quote;

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
