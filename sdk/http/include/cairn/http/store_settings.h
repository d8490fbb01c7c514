// What every store plugin's settings reader needs: environment variables,
// bucket paths, seconds, and which certificates TLS trusts.
//
// TLS trust: a store verifies its endpoint's certificate against one PEM
// bundle, the first of
//   1. the store's `ca_bundle` setting,
//   2. AWS_CA_BUNDLE       (what boto3 and the AWS CLI read),
//   3. REQUESTS_CA_BUNDLE  (what Python's requests reads: the Google, Azure,
//                           OCI and libcloud Python clients),
//   4. SSL_CERT_FILE       (what OpenSSL reads for its default store),
// or else the system's store. One order for every store, so a variable set for
// one Python tool trusts the same endpoints in Cairn whichever store is used;
// the setting comes first because it is the most specific. A bundle that is
// missing, unreadable or holds no certificate is a ConfigError naming where it
// came from, never a silent fallback to the system store.
#pragma once

#include <chrono>
#include <string>

#include "cairn/export.h"
#include "cairn/http/client.h"

namespace cairn {
class Config;
}

namespace cairn::http {

// The variable's value; "" when it is unset or `name` is empty.
CAIRN_EXPORT std::string env(const std::string& name);

// "/runs/a/" -> "runs/a": prefixes and bucket names as users type them.
CAIRN_EXPORT std::string strip_slashes(std::string text);

CAIRN_EXPORT std::chrono::milliseconds seconds(double value);

// `field` of `cfg` (or `fallback`), which must be > 0.
CAIRN_EXPORT double positive_seconds(cairn::Config& cfg, const std::string& field, double fallback);

// The environment variables that name a CA bundle, in the order they count.
CAIRN_EXPORT const char* const* ca_bundle_variables();

// Reads `ca_bundle` from `cfg`, else the variables above, into
// http.ca_bundle and http.ca_bundle_source, and checks the file: a
// ConfigError (naming the setting or variable) when it cannot be read or holds
// no PEM certificate. Leaves both empty when nothing names a bundle.
CAIRN_EXPORT void read_ca_bundle(cairn::Config& cfg, ClientOptions& http);

// Sets an explicit bundle (the s3 store's boto3-style `verify: PATH`) after
// checking it as read_ca_bundle does; `source` names it in messages.
CAIRN_EXPORT void use_ca_bundle(const std::string& path, const std::string& source, ClientOptions& http);

}  // namespace cairn::http
