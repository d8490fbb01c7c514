#include "cairn/http/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "cairn/http/crypto.h"
#include "cairn/http/url.h"

namespace cairn::http::sigv4 {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Header values are trimmed and inner runs of white space become one space
// (a folded multi-line value included).
std::string canonical_header_value(const std::string& value) {
  std::string out;
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out += ' ';
    in_space = false;
    out += c;
  }
  return out;
}

// RFC 3986 section 5.2.4 remove_dot_segments, with empty segments collapsed.
std::string normalized(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& segment : segments) out += "/" + segment;
  const auto ends_with = [&](const std::string& tail) {
    return path.size() >= tail.size() && path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
  };
  const bool trailing_slash = path.size() > 1 && (ends_with("/") || ends_with("/.") || ends_with("/.."));
  if (out.empty() || trailing_slash) out += "/";
  return out;
}

}  // namespace

std::string canonical_path(const std::string& raw_path, bool normalize) {
  const std::string path = raw_path.empty() ? "/" : raw_path;
  return percent_encode(normalize ? normalized(path) : path, /*keep_slash=*/true);
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& raw_query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : raw_query) {
    encoded.emplace_back(percent_encode(name), percent_encode(value));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) out += (out.empty() ? "" : "&") + name + "=" + value;
  return out;
}

std::string derive_signing_key(const std::string& secret, const std::string& date, const std::string& region,
                               const std::string& service) {
  return hmac_sha256(hmac_sha256(hmac_sha256(hmac_sha256("AWS4" + secret, date), region), service), "aws4_request");
}

Signature sign(const Request& request, const Credentials& credentials, const Scope& scope) {
  // Names lower-cased and sorted; repeated headers joined with ',' in order.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    auto [it, fresh] = headers.emplace(lower(name), canonical_header_value(value));
    if (!fresh) it->second += "," + canonical_header_value(value);
  }
  Signature out;
  std::string canonical_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    out.signed_headers += (out.signed_headers.empty() ? "" : ";") + name;
  }
  out.canonical_request = request.method + "\n" + canonical_path(request.path, scope.normalize_path) + "\n" +
                          canonical_query(request.query) + "\n" + canonical_headers + "\n" + out.signed_headers + "\n" +
                          request.payload_hash;
  const std::string date = scope.amz_date.substr(0, 8);
  const std::string credential_scope = date + "/" + scope.region + "/" + scope.service + "/aws4_request";
  out.string_to_sign = "AWS4-HMAC-SHA256\n" + scope.amz_date + "\n" + credential_scope + "\n" +
                       sha256_hex(out.canonical_request);
  const std::string key = derive_signing_key(credentials.secret_access_key, date, scope.region, scope.service);
  out.signature = to_hex(hmac_sha256(key, out.string_to_sign));
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + credential_scope +
                      ", SignedHeaders=" + out.signed_headers + ", Signature=" + out.signature;
  return out;
}

std::string amz_date_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[17];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

}  // namespace cairn::http::sigv4
