// Shared by the store-answer targets: an HTTP response made from fuzz input,
// and the store-independent checks of cairn/http/response_checks.h on it.
#pragma once

#include <cstdint>
#include <string>

#include "cairn/errors.h"
#include "cairn/http/client.h"
#include "cairn/http/response_checks.h"
#include "fuzz_check.h"

// The first byte picks a status services send; the rest is the body, which
// also serves as the Content-Length and Content-Range headers' value.
inline cairn::http::Response fuzz_response(const uint8_t* data, size_t size) {
  static const long kStatuses[] = {200, 206, 400, 401, 403, 404, 409, 412, 416, 429, 500, 503};
  cairn::http::Response response;
  response.status = size > 0 ? kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])] : 200;
  if (size > 0) response.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  response.body_bytes = response.body.size();
  response.headers.emplace_back("Content-Length", response.body);
  response.headers.emplace_back("Content-Range", response.body);
  return response;
}

inline void check_response_helpers(const cairn::http::Response& response) {
  const std::string excerpt = cairn::http::body_excerpt(response.body);
  FUZZ_CHECK(excerpt.find('\n') == std::string::npos, "a body excerpt is one line");
  try {
    (void)cairn::http::content_length_of(response, "size query of 'fuzz://b/k'");
  } catch (const cairn::StoreError& e) {
    FUZZ_CHECK(is_one_line(e.what()), e.what());
  }
  for (const int64_t expected : {int64_t(-1), int64_t(0), int64_t(response.body.size())}) {
    (void)cairn::http::transfer_body_error(response, /*ranged=*/true, expected);
    (void)cairn::http::transfer_body_error(response, /*ranged=*/false, expected);
  }
}
