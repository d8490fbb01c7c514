// Removing credentials from text that may reach a log, an error message or a
// test's output.
//
// Every message that can carry request or response data (headers, URLs,
// server error bodies) goes through redact() before it leaves the library.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cairn/export.h"

namespace cairn::http {

// Replaces with "[redacted]":
//  - the value of Authorization / Proxy-Authorization / X-Amz-Security-Token /
//    X-Goog-* credential / Cookie headers ("Name: value" up to the line end);
//  - "Signature=..." and "signature=\"...\"" in authorization strings;
//  - query parameters that carry credentials (X-Amz-Signature,
//    X-Amz-Security-Token, X-Amz-Credential, X-Goog-Signature, X-Goog-Credential,
//    Signature, access_token, token);
//  - "aws_secret_access_key = ..." and "aws_session_token = ..." lines and JSON
//    fields of those names;
//  - every occurrence of each string in `secrets` (the keys the caller holds),
//    wherever it appears.
CAIRN_EXPORT std::string redact(std::string_view text, const std::vector<std::string>& secrets = {});

}  // namespace cairn::http
