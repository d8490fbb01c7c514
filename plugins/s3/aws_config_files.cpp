#include "aws_config_files.h"

#include <cstdlib>
#include <fstream>

#include "cairn/errors.h"

namespace s3store {

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string expand_home(const std::string& path) {
  if (path.rfind("~/", 0) != 0) return path;
  return env_or("HOME", "") + path.substr(1);
}

}  // namespace

std::map<std::string, std::string> read_ini_section(const std::string& path, const std::string& section) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) continue;  // nested value
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      inside = trim(text.substr(1, text.size() - 2)) == section;
      continue;
    }
    const auto eq = text.find('=');
    if (inside && eq != std::string::npos) values[trim(text.substr(0, eq))] = trim(text.substr(eq + 1));
  }
  return values;
}

std::map<std::string, std::string> load_aws_profile(const std::string& profile, bool profile_was_named) {
  const std::string credentials_file = expand_home(env_or("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"));
  const std::string config_file = expand_home(env_or("AWS_CONFIG_FILE", "~/.aws/config"));
  auto values = read_ini_section(credentials_file, profile);
  const bool in_credentials = !values.empty();
  auto config = read_ini_section(config_file, profile == "default" ? "default" : "profile " + profile);
  values.insert(config.begin(), config.end());  // existing keys (from credentials) win
  if (profile_was_named && !in_credentials && config.empty()) {
    throw cairn::ConfigError("AWS profile '" + profile + "' (from AWS_PROFILE) is in neither " + credentials_file +
                             " nor " + config_file + "; add it there or unset AWS_PROFILE");
  }
  return values;
}

}  // namespace s3store
