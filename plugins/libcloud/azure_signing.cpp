#include "azure_signing.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

#include "cairn/http/crypto.h"

namespace libcloud {

namespace http = cairn::http;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Leading and trailing white space removed, inner runs folded to one space,
// as the canonicalized headers want them.
std::string folded(const std::string& value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string shared_key_string_to_sign(const SharedKeyRequest& request, const std::string& account) {
  static const char* const kStandard[] = {"content-encoding", "content-language", "content-length", "content-md5",
                                          "content-type", "date", "if-modified-since", "if-match", "if-none-match",
                                          "if-unmodified-since", "range"};
  std::string text = request.method + "\n";
  for (const char* name : kStandard) {
    std::string value = folded(http::find_header(request.headers, name));
    // Since 2015-02-21 a zero length is signed as an empty slot.
    if (std::string(name) == "content-length" && value == "0") value.clear();
    text += value + "\n";
  }
  std::map<std::string, std::string> ms_headers;
  for (const auto& [name, value] : request.headers) {
    const std::string key = lower(name);
    if (key.rfind("x-ms-", 0) == 0) ms_headers[key] = folded(value);
  }
  for (const auto& [name, value] : ms_headers) text += name + ":" + value + "\n";
  text += "/" + account + request.encoded_path;
  std::map<std::string, std::vector<std::string>> query;
  for (const auto& [name, value] : request.query) query[lower(name)].push_back(value);
  for (auto& [name, values] : query) {
    std::sort(values.begin(), values.end());
    std::string joined;
    for (const auto& value : values) joined += (joined.empty() ? "" : ",") + value;
    text += "\n" + name + ":" + joined;
  }
  return text;
}

std::string shared_key_authorization(const SharedKeyRequest& request, const std::string& account,
                                     const std::string& account_key) {
  const std::string signature = http::base64_encode(http::hmac_sha256(account_key, shared_key_string_to_sign(request, account)));
  return "SharedKey " + account + ":" + signature;
}

std::string rfc1123_date_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday], utc.tm_mday,
                kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return buffer;
}

}  // namespace libcloud
