#include "cairn/http/response_checks.h"

#include "cairn/errors.h"

namespace cairn::http {

std::optional<ServiceError> transfer_body_error(const Response& response, bool ranged, int64_t expected_bytes) {
  if (ranged && response.status != 206) {
    return ServiceError{response.status, "RangeIgnored", "the server answered a ranged GET with the whole object"};
  }
  if (expected_bytes >= 0 && response.body_bytes != static_cast<uint64_t>(expected_bytes)) {
    return ServiceError{response.status, "IncompleteBody",
                        "received " + std::to_string(response.body_bytes) + " of " + std::to_string(expected_bytes) +
                            " bytes"};
  }
  return std::nullopt;
}

uint64_t content_length_of(const Response& response, const std::string& what) {
  const std::string length = response.header("Content-Length");
  if (!length.empty() && length.size() <= 20 && length.find_first_not_of("0123456789") == std::string::npos) {
    try {
      return std::stoull(length);
    } catch (const std::out_of_range&) {
    }
  }
  throw StoreError(StoreErrorKind::kOther,
                   what + " failed: the server sent no usable Content-Length ('" + body_excerpt(length, 40) + "')");
}

std::string body_excerpt(const std::string& body, std::size_t limit) {
  std::string excerpt = body.substr(0, limit);
  for (char& c : excerpt) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return excerpt;
}

std::string status_phrase(long status) {
  switch (status) {
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    default: return "";
  }
}

}  // namespace cairn::http
