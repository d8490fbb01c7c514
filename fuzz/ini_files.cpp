// The INI files stores read: ~/.oci/config (ocistore::parse_ini and
// load_oci_profile, as configparser reads it) and ~/.aws/credentials and
// ~/.aws/config (s3store::read_ini_section and load_aws_profile, as
// botocore reads them). The input is the file's text, written to a file of
// this process for the readers that take a path.
// Oracles: only ConfigError escapes; what parse_ini returns has no empty
// section name and the profile load agrees with it.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "aws_config_files.h"
#include "cairn/errors.h"
#include "fuzz_check.h"
#include "oci_config_file.h"

namespace {

// One file per process, under TMPDIR, removed at exit.
const std::string& ini_path() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string p = std::string(tmp && *tmp ? tmp : "/tmp") + "/cairn-fuzz-ini-" + std::to_string(::getpid());
    std::atexit([] { std::remove(ini_path().c_str()); });
    return p;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& [section, values] : ocistore::parse_ini(text, "fuzz.ini")) {
      FUZZ_CHECK(!section.empty(), "an unnamed section");
      (void)values;
    }
  } catch (const cairn::ConfigError& e) {
    FUZZ_CHECK(*e.what() != '\0', "an empty message");
  }
  {
    std::ofstream out(ini_path(), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  try {
    (void)ocistore::load_oci_profile(ini_path(), "DEFAULT");
  } catch (const cairn::ConfigError& e) {
    FUZZ_CHECK(*e.what() != '\0', "an empty message");
  }
  (void)s3store::read_ini_section(ini_path(), "default");
  (void)s3store::read_ini_section(ini_path(), "profile fuzz");
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", ini_path().c_str(), 1);
  ::setenv("AWS_CONFIG_FILE", ini_path().c_str(), 1);
  try {
    (void)s3store::load_aws_profile("fuzz", /*profile_was_named=*/true);
  } catch (const cairn::ConfigError& e) {
    FUZZ_CHECK(*e.what() != '\0', "an empty message");
  }
  return 0;
}
