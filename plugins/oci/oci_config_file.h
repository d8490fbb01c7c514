// The OCI configuration file (~/.oci/config), read as the OCI SDKs read it
// (oci.config.from_file: Python's configparser without interpolation):
//   - the file is OCI_CONFIG_FILE, else ~/.oci/config; the profile is
//     OCI_CLI_PROFILE, else DEFAULT (a store's config_file / profile win);
//   - "[PROFILE]" sections of "key = value" or "key: value" lines; keys are
//     case-insensitive; '#' and ';' start comment lines; an indented line
//     continues the value above it; every profile inherits [DEFAULT]'s keys;
//   - an API-key profile needs user, fingerprint, key_file, tenancy and
//     region; pass_phrase decrypts an encrypted key_file.
// Every problem is a cairn::ConfigError of one line naming the file, the
// profile and the key, and what to do.
#pragma once

#include <map>
#include <string>

namespace ocistore {

using IniSections = std::map<std::string, std::map<std::string, std::string>>;

// Sections of an INI text as configparser reads it (DEFAULT not yet merged).
// ConfigError, naming `source` and the line, for a duplicate section or key,
// a key outside any section, or a line that is neither.
IniSections parse_ini(const std::string& text, const std::string& source);

struct OciProfile {
  std::string file;     // the file read (after ~ expansion)
  std::string name;     // the profile
  std::string user;
  std::string fingerprint;
  std::string key_file;  // after ~ expansion
  std::string tenancy;
  std::string region;
  std::string pass_phrase;  // "" when the key is not encrypted
};

// The file and profile the SDKs would use, given a store's own settings ("" = not given).
std::string oci_config_path(const std::string& configured);
std::string oci_profile_name(const std::string& configured);

// Loads and checks one profile: a missing file or profile, missing keys (all
// of them, named), a malformed fingerprint or OCID, or a session-token profile
// (not supported) are ConfigErrors.
OciProfile load_oci_profile(const std::string& path, const std::string& profile);

// "~/x" -> "$HOME/x"; other paths unchanged.
std::string expand_home(const std::string& path);

}  // namespace ocistore
