// URIs and the URL pieces stores build from them: cairn::Uri::parse,
// cairn::http::Endpoint::parse (endpoint_url settings) and
// cairn::http::percent_encode / percent_decode. Oracles: no exception, a
// local path comes back whole, a scheme is lower case, a remote path has no
// leading '/', and percent_decode undoes percent_encode.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include "cairn/errors.h"
#include "cairn/http/url.h"
#include "cairn/object_store.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const cairn::Uri uri = cairn::Uri::parse(text);
  if (uri.is_local()) {
    FUZZ_CHECK(uri.path == text && uri.bucket.empty(), text);
  } else {
    FUZZ_CHECK(std::none_of(uri.scheme.begin(), uri.scheme.end(), [](unsigned char c) { return std::isupper(c); }),
               text);
    FUZZ_CHECK(uri.path.empty() || uri.path.front() != '/', text);
    FUZZ_CHECK(uri.bucket.find('/') == std::string::npos && uri.bucket.find('@') == std::string::npos, text);
  }
  for (const bool keep_slash : {false, true}) {
    const std::string encoded = cairn::http::percent_encode(text, keep_slash);
    FUZZ_CHECK(cairn::http::percent_decode(encoded) == text, encoded);
  }
  (void)cairn::http::percent_decode(text);
  try {
    const cairn::http::Endpoint endpoint = cairn::http::Endpoint::parse(text, "endpoint_url");
    FUZZ_CHECK(endpoint.scheme == "http" || endpoint.scheme == "https", text);
    FUZZ_CHECK(!endpoint.host.empty(), text);
    (void)endpoint.host_name();
    (void)endpoint.host_is_ip_or_localhost();
  } catch (const cairn::ConfigError& e) {
    FUZZ_CHECK(*e.what() != '\0', "an empty message");
  }
  return 0;
}
