// Percent-encoding as request signers need it (RFC 3986): every byte except
// the unreserved characters A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex).
#pragma once

#include <string>
#include <string_view>

#include "cairn/export.h"

namespace cairn::http {

// `keep_slash`: leave '/' as is (object keys in a URL path).
CAIRN_EXPORT std::string percent_encode(std::string_view text, bool keep_slash = false);
// Decodes %XX escapes; '+' stays '+'. Malformed escapes are kept literally.
CAIRN_EXPORT std::string percent_decode(std::string_view text);

// A URL taken apart: "https://host:port/base/path" -> {"https", "host:port", "/base/path"}.
struct CAIRN_EXPORT Endpoint {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // host[:port], as the Host header carries it
  std::string path;    // "" or a path starting with '/', without a trailing '/'

  // ConfigError naming `what` unless `url` is http(s)://host[:port][/path].
  static Endpoint parse(const std::string& url, const std::string& what);
  // The host without its port ("[::1]" for IPv6 literals).
  std::string host_name() const;
  // Whether the host is an IPv4/IPv6 literal or "localhost".
  bool host_is_ip_or_localhost() const;
};

}  // namespace cairn::http
