// Checks every store applies to a response before trusting it, and the words
// for an error a service did not explain. They live here once, so each store
// plugin parses only its own service's error documents.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cairn/export.h"
#include "cairn/http/client.h"
#include "cairn/http/retry.h"

namespace cairn::http {

// What is wrong with a successful answer to a transfer, or nullopt when it is
// sound: a ranged GET answered without 206 means the server sent the whole
// object where one range belongs ("RangeIgnored"); a body of `expected_bytes`
// (-1: unknown) that arrived short or long is "IncompleteBody", which stores
// retry like a dropped connection.
CAIRN_EXPORT std::optional<ServiceError> transfer_body_error(const Response& response, bool ranged,
                                                             int64_t expected_bytes);

// The size a HEAD answer gives in Content-Length; a StoreError naming `what`
// ("size query of 's3://b/k'") when it is missing or not a whole number.
CAIRN_EXPORT uint64_t content_length_of(const Response& response, const std::string& what);

// A single-line excerpt of at most `limit` bytes of a body that is not the
// service's own error document (a proxy's HTML page, a plain-text 404).
CAIRN_EXPORT std::string body_excerpt(const std::string& body, std::size_t limit = 200);

// The reason phrase of a status that came without a body to explain it (the
// answer to a HEAD): "Not Found", "Unauthorized", "Forbidden"; "" otherwise.
CAIRN_EXPORT std::string status_phrase(long status);

}  // namespace cairn::http
