#include "oci_signer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "cairn/errors.h"
#include "cairn/http/crypto.h"

namespace ocistore {

namespace http = cairn::http;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool has_header(const http::Headers& headers, const std::string& name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& header) { return lower(header.first) == name; });
}

}  // namespace

const std::vector<std::string>& signed_header_names(bool with_body) {
  static const std::vector<std::string> plain = {"date", "(request-target)", "host"};
  static const std::vector<std::string> body = {"date", "(request-target)", "host", "content-length", "content-type",
                                                "x-content-sha256"};
  return with_body ? body : plain;
}

SignedRequest sign_request(const std::string& method, const std::string& target, const http::Headers& headers,
                           const std::vector<std::string>& header_names, const SigningKey& key) {
  SignedRequest out;
  std::string list;
  for (const std::string& name : header_names) {
    const std::string lowered = lower(name);
    std::string value;
    if (lowered == "(request-target)") {
      value = lower(method) + " " + target;
    } else if (has_header(headers, lowered)) {
      value = http::find_header(headers, lowered);
    } else {
      throw cairn::Error("OCI signing: the request has no '" + name + "' header to sign");
    }
    if (!out.signing_string.empty()) out.signing_string += '\n';
    out.signing_string += lowered + ": " + value;
    list += (list.empty() ? "" : " ") + name;
  }
  out.signature = http::base64_encode(http::rsa_sha256_sign(key.private_key_pem, out.signing_string, key.passphrase));
  out.authorization = "Signature version=\"1\",headers=\"" + list + "\",keyId=\"" + key.key_id +
                      "\",algorithm=\"rsa-sha256\",signature=\"" + out.signature + "\"";
  return out;
}

std::string http_date(std::time_t when) {
  std::tm utc{};
  gmtime_r(&when, &utc);
  // Not strftime's %a/%b: those follow the locale, and the server wants English.
  static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char text[40];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT", days[utc.tm_wday], utc.tm_mday,
                months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text;
}

std::string content_sha256(std::string_view body) { return http::base64_encode(http::sha256(body)); }

}  // namespace ocistore
