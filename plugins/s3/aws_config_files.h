// The AWS shared configuration files, read as botocore reads them:
// ~/.aws/credentials ([NAME] sections) and ~/.aws/config ([profile NAME] and
// [default] sections), their places overridable with
// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE.
#pragma once

#include <map>
#include <string>

namespace s3store {

// Key/value pairs of one profile: the credentials file's section first, then
// the config file's fill in what it lacks (botocore's precedence). Empty
// when neither file has the profile. Throws cairn::ConfigError when AWS_PROFILE
// names a profile that neither file has.
std::map<std::string, std::string> load_aws_profile(const std::string& profile, bool profile_was_named);

// One [section] of an INI file; empty if the file or section is missing.
// Indented lines (nested settings such as "s3 =\n  addressing_style = path")
// are skipped.
std::map<std::string, std::string> read_ini_section(const std::string& path, const std::string& section);

}  // namespace s3store
