#include "cairn/http/url.h"

#include <algorithm>
#include <cctype>

#include "cairn/errors.h"

namespace cairn::http {

namespace {

bool is_unreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_encode(std::string_view text, bool keep_slash) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Endpoint Endpoint::parse(const std::string& url, const std::string& what) {
  const auto sep = url.find("://");
  Endpoint endpoint;
  if (sep != std::string::npos) {
    endpoint.scheme = url.substr(0, sep);
    std::transform(endpoint.scheme.begin(), endpoint.scheme.end(), endpoint.scheme.begin(),
                   [](unsigned char c) { return std::tolower(c); });
  }
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    throw ConfigError(what + " '" + url + "' is not an http:// or https:// URL; write it like https://s3.example.com");
  }
  std::string rest = url.substr(sep + 3);
  const auto slash = rest.find('/');
  endpoint.host = rest.substr(0, slash);
  if (slash != std::string::npos) endpoint.path = rest.substr(slash);
  while (!endpoint.path.empty() && endpoint.path.back() == '/') endpoint.path.pop_back();
  if (endpoint.host.empty() || endpoint.host.find_first_of("?#@ ") != std::string::npos ||
      endpoint.path.find_first_of("?#") != std::string::npos) {
    throw ConfigError(what + " '" + url + "' needs a host name and nothing but a path after it (no user, query or fragment)");
  }
  return endpoint;
}

std::string Endpoint::host_name() const {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
}

bool Endpoint::host_is_ip_or_localhost() const {
  const std::string name = host_name();
  if (name == "localhost" || (!name.empty() && name.front() == '[')) return true;
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; });
}

}  // namespace cairn::http
