#include "cairn/http/store_settings.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cairn/config.h"
#include "cairn/errors.h"

namespace cairn::http {

namespace {

const char* const kCaBundleVariables[] = {"AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", nullptr};

// Why `path` cannot serve as a CA bundle, or "" when it can.
std::string bundle_problem(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return "is a folder, not a PEM file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::string("cannot be read (") + std::strerror(errno) + ")";
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
  }
  return "";
}

}  // namespace

std::string env(const std::string& name) {
  const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
  return value != nullptr ? value : "";
}

std::string strip_slashes(std::string text) {
  while (!text.empty() && text.front() == '/') text.erase(0, 1);
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

std::chrono::milliseconds seconds(double value) { return std::chrono::milliseconds(static_cast<long long>(value * 1000)); }

double positive_seconds(cairn::Config& cfg, const std::string& field, double fallback) {
  const double value = cfg.get<double>(field, fallback);
  // Bounded, as the oci store's are: a larger value overflows its conversion to milliseconds.
  if (!(value > 0) || value > 86400) cfg.fail(field, "must be a positive number of seconds (at most a day)");
  return value;
}

const char* const* ca_bundle_variables() { return kCaBundleVariables; }

void use_ca_bundle(const std::string& path, const std::string& source, ClientOptions& http) {
  const std::string problem = bundle_problem(path);
  if (!problem.empty()) {
    throw cairn::ConfigError(source + " names the CA bundle '" + path + "', which " + problem +
                             "; point it at a PEM file of the certificates to trust");
  }
  http.ca_bundle = path;
  http.ca_bundle_source = source;
}

void read_ca_bundle(cairn::Config& cfg, ClientOptions& http) {
  const std::string setting = cfg.get<std::string>("ca_bundle", "");
  if (!setting.empty()) {
    const std::string problem = bundle_problem(setting);
    if (!problem.empty()) cfg.fail("ca_bundle", "'" + setting + "' " + problem + "; give a PEM file of the certificates to trust");
    http.ca_bundle = setting;
    http.ca_bundle_source = cfg.owner() + " ca_bundle";
    return;
  }
  for (const char* const* name = kCaBundleVariables; *name != nullptr; ++name) {
    const std::string path = env(*name);
    if (path.empty()) continue;
    try {
      use_ca_bundle(path, std::string("$") + *name, http);
    } catch (const cairn::ConfigError& e) {
      throw cairn::ConfigError(cfg.owner() + ": " + e.what() + ", or unset it");
    }
    return;
  }
}

}  // namespace cairn::http
