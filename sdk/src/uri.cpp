#include <algorithm>
#include <cctype>

#include "cairn/object_store.h"

namespace cairn {

Uri Uri::parse(const std::string& text) {
  Uri uri;
  const auto sep = text.find("://");
  // A scheme is letters, digits, '+', '-', '.', starting with a letter; anything
  // else before "://" (or no "://") is a local path.
  if (sep == std::string::npos || sep == 0 || !std::isalpha(static_cast<unsigned char>(text[0])) ||
      !std::all_of(text.begin(), text.begin() + sep, [](unsigned char c) {
        return std::isalnum(c) || c == '+' || c == '-' || c == '.';
      })) {
    uri.path = text;
    return uri;
  }
  uri.scheme = text.substr(0, sep);
  std::transform(uri.scheme.begin(), uri.scheme.end(), uri.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string rest = text.substr(sep + 3);
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  // "bucket@namespace" (OCI): the bucket is the part before '@'.
  uri.bucket = authority.substr(0, authority.find('@'));
  if (slash != std::string::npos) {
    uri.path = rest.substr(slash + 1);
    while (!uri.path.empty() && uri.path.front() == '/') uri.path.erase(0, 1);
  }
  return uri;
}

}  // namespace cairn
