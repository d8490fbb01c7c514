#include "oci_config_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "cairn/errors.h"

namespace ocistore {

namespace {

const char* const kDefaultProfile = "DEFAULT";
const char* const kSetupHint = "see https://docs.oracle.com/iaas/Content/API/Concepts/sdkconfig.htm";

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The OCI SDKs' shapes (oci.config.PATTERNS): OCIDs have at least four
// dot-separated parts, fingerprints are 16 lower-case hex pairs.
bool is_ocid(const std::string& text) {
  static const std::regex pattern(R"(^([0-9a-zA-Z_-]+[.:])([0-9a-zA-Z_-]*[.:]){3,}([0-9a-zA-Z_-]+)$)");
  return std::regex_match(text, pattern);
}

bool is_fingerprint(const std::string& text) {
  static const std::regex pattern(R"(^([0-9a-f]{2}:){15}[0-9a-f]{2}$)");
  return std::regex_match(text, pattern);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

std::string expand_home(const std::string& path) {
  if (path != "~" && path.rfind("~/", 0) != 0) return path;
  return env("HOME") + path.substr(1);
}

IniSections parse_ini(const std::string& text, const std::string& source) {
  IniSections sections;
  std::istringstream lines(text);
  std::string line;
  std::map<std::string, std::string>* section = nullptr;
  std::string section_name;
  std::string* value = nullptr;  // the value an indented line continues
  int number = 0;
  const auto fail = [&](const std::string& problem) {
    throw cairn::ConfigError("OCI config file " + source + " line " + std::to_string(number) + ": " + problem);
  };
  while (std::getline(lines, line)) {
    ++number;
    const std::string stripped = trim(line);
    if (stripped.empty()) continue;
    if (stripped[0] == '#' || stripped[0] == ';') continue;
    if ((line[0] == ' ' || line[0] == '\t') && value != nullptr) {
      *value += "\n" + stripped;
      continue;
    }
    if (stripped.front() == '[' && stripped.back() == ']' && stripped.size() > 2) {
      section_name = stripped.substr(1, stripped.size() - 2);  // configparser keeps inner spaces
      if (sections.count(section_name) != 0) fail("profile [" + section_name + "] appears twice; keep one");
      section = &sections[section_name];
      value = nullptr;
      continue;
    }
    const size_t delimiter = stripped.find_first_of("=:");
    if (delimiter == std::string::npos || delimiter == 0) {
      fail("expected [PROFILE] or key = value, found a line that is neither");
    }
    if (section == nullptr) fail("a key comes before any [PROFILE] line; put it under [DEFAULT]");
    const std::string key = lower(trim(stripped.substr(0, delimiter)));
    if (section->count(key) != 0) fail("key '" + key + "' appears twice in profile [" + section_name + "]; keep one");
    value = &((*section)[key] = trim(stripped.substr(delimiter + 1)));
  }
  return sections;
}

std::string oci_config_path(const std::string& configured) {
  if (!configured.empty()) return expand_home(configured);
  const std::string from_env = env("OCI_CONFIG_FILE");
  return expand_home(from_env.empty() ? "~/.oci/config" : from_env);
}

std::string oci_profile_name(const std::string& configured) {
  if (!configured.empty()) return configured;
  const std::string from_env = env("OCI_CLI_PROFILE");
  return from_env.empty() ? kDefaultProfile : from_env;
}

OciProfile load_oci_profile(const std::string& path, const std::string& profile) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw cairn::ConfigError("OCI config file " + path + " cannot be read (" + std::strerror(errno) +
                             "); create it with `oci setup config` or point OCI_CONFIG_FILE at yours (" + kSetupHint + ")");
  }
  std::stringstream text;
  text << in.rdbuf();
  const IniSections sections = parse_ini(text.str(), path);
  const auto found = sections.find(profile);
  if (found == sections.end() && profile != kDefaultProfile) {
    std::vector<std::string> names;
    for (const auto& [name, values] : sections) names.push_back(name);
    throw cairn::ConfigError("OCI config file " + path + " has no profile [" + profile + "] (it has: " +
                             (names.empty() ? "none" : join(names)) + "); add it or set OCI_CLI_PROFILE to one of them");
  }
  if (found == sections.end() && sections.count(kDefaultProfile) == 0) {
    throw cairn::ConfigError("OCI config file " + path + " has no [DEFAULT] profile; add one or set OCI_CLI_PROFILE (" +
                             kSetupHint + ")");
  }
  // Every profile inherits [DEFAULT]'s keys (configparser's rule).
  std::map<std::string, std::string> values;
  if (found != sections.end()) values = found->second;
  if (const auto defaults = sections.find(kDefaultProfile); defaults != sections.end()) {
    values.insert(defaults->second.begin(), defaults->second.end());
  }
  const auto get = [&](const char* key) {
    const auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  };
  const std::string where = "OCI config file " + path + " profile [" + profile + "]";
  if (get("user").empty() && !get("security_token_file").empty()) {
    throw cairn::ConfigError(where + " is a session-token profile (security_token_file), which Cairn does not support; "
                             "use an API-key profile (user, fingerprint, key_file, tenancy, region)");
  }
  std::vector<std::string> missing;
  for (const char* key : {"user", "fingerprint", "key_file", "tenancy", "region"}) {
    if (get(key).empty()) missing.emplace_back(key);
  }
  if (!missing.empty()) {
    throw cairn::ConfigError(where + " lacks " + join(missing) + "; add " + (missing.size() == 1 ? "it" : "them") +
                             " (" + kSetupHint + ")");
  }
  OciProfile out{path, profile, get("user"), get("fingerprint"), expand_home(get("key_file")), get("tenancy"),
                 get("region"), get("pass_phrase")};
  if (!is_ocid(out.user)) throw cairn::ConfigError(where + " user is not an OCID (ocid1.user.oc1..<id>); copy it from the console");
  if (!is_ocid(out.tenancy)) {
    throw cairn::ConfigError(where + " tenancy is not an OCID (ocid1.tenancy.oc1..<id>); copy it from the console");
  }
  if (!is_fingerprint(out.fingerprint)) {
    throw cairn::ConfigError(where + " fingerprint is not 16 lower-case hex pairs separated by ':' "
                             "(as `openssl rsa -pubout -outform DER -in KEY | openssl md5 -c` prints)");
  }
  return out;
}

}  // namespace ocistore
