#include "cairn/http/redact.h"

#include <regex>

namespace cairn::http {

namespace {

const char* const kRedacted = "[redacted]";

// Each rule keeps its first group (the name) and replaces the value after it.
const std::vector<std::regex>& rules() {
  static const auto flags = std::regex::ECMAScript | std::regex::icase;
  static const std::vector<std::regex> compiled = {
      // Header lines: "Authorization: AWS4-HMAC-SHA256 Credential=..., Signature=..."
      std::regex(R"re((((?:proxy-)?authorization|x-amz-security-token|x-goog-[a-z-]*(?:credential|signature|key)[a-z-]*|cookie|set-cookie)\s*:\s*)[^\r\n]*)re",
                 flags),
      // Inside authorization strings that escaped the header rule.
      std::regex(R"re((signature\s*=\s*"?)[^",&\s]+)re", flags),
      // Query parameters and form fields.
      std::regex(R"re(([?&](?:x-amz-signature|x-amz-security-token|x-amz-credential|x-goog-signature|x-goog-credential|access_token|token)=)[^&\s#"']*)re",
                 flags),
      // ~/.aws/credentials lines and JSON or key=value fields.
      std::regex(R"re(((?:aws_secret_access_key|aws_session_token|secret_access_key|session_token|gcs_secret|private_key)"?\s*[:=]\s*"?)[^"\r\n,}]*)re",
                 flags),
  };
  return compiled;
}

}  // namespace

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  // Known secrets first: a rule's replacement could otherwise split one.
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;  // too short to tell apart from ordinary text
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 1)) {
      out.replace(at, secret.size(), kRedacted);
    }
  }
  for (const auto& rule : rules()) out = std::regex_replace(out, rule, std::string("$1") + kRedacted);
  return out;
}

}  // namespace cairn::http
