// The OCI config file as the OCI SDKs read it (configparser's rules, profile
// inheritance from [DEFAULT], OCI_CONFIG_FILE and OCI_CLI_PROFILE), and the
// store's settings: every problem is one line naming the file, the profile
// and the key, and no pass phrase ever appears in it.
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "oci_config_file.h"
#include "oci_settings.h"
#include "oci_test_support.h"
#include "test_skip.h"
#include "test_text.h"

using cairn::test::contains;
using cairn::test::error_text;
using cairn::test::ScopedEnv;
using nlohmann::json;

namespace {

// The settings for "oci://bucket" with OCI_CONFIG_FILE = `config_file`.
ocistore::OciSettings resolve(const std::string& config_file, const json& config = json::object(),
                              const std::string& profile_env = "") {
  ScopedEnv env;
  env.set("OCI_CONFIG_FILE", config_file).unset("OCI_OBJECT_STORAGE_ENDPOINT");
  if (profile_env.empty()) {
    env.unset("OCI_CLI_PROFILE");
  } else {
    env.set("OCI_CLI_PROFILE", profile_env);
  }
  return ocistore::resolve_oci_settings(cairn::Uri::parse("oci://bucket/run"), config);
}

std::string config_error(const std::string& config_file, const json& config = json::object(),
                         const std::string& profile_env = "") {
  const std::string text = error_text<cairn::ConfigError>([&] { resolve(config_file, config, profile_env); });
  BOOST_TEST(ocitest::one_line(text), text);
  return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(oci_config_file)

BOOST_AUTO_TEST_CASE(ini_text_is_read_as_configparser_reads_it) {
  const auto sections = ocistore::parse_ini(
      "# a comment\n; another\n[DEFAULT]\nRegion = us-ashburn-1\nkey_file: ~/.oci/key.pem\n"
      "[ADMIN]\nuser=ocid1.user.oc1..x\nnote = first\n  second line\n\n[ spaced ]\nk=v=w\n",
      "test");
  BOOST_TEST(sections.at("DEFAULT").at("region") == "us-ashburn-1");  // keys are case-insensitive
  BOOST_TEST(sections.at("DEFAULT").at("key_file") == "~/.oci/key.pem");  // ':' delimits too
  BOOST_TEST(sections.at("ADMIN").at("note") == "first\nsecond line");  // an indented line continues
  BOOST_TEST(sections.at(" spaced ").at("k") == "v=w");  // the first delimiter splits
  for (const auto& [text, problem] : std::vector<std::pair<std::string, std::string>>{
           {"user=x\n[DEFAULT]\n", "line 1: a key comes before any [PROFILE] line"},
           {"[A]\nk=1\n[A]\n", "line 3: profile [A] appears twice"},
           {"[A]\nk=1\nK=2\n", "line 3: key 'k' appears twice in profile [A]"},
           {"[A]\njust words\n", "line 2: expected [PROFILE] or key = value"}}) {
    const auto message = error_text<cairn::ConfigError>([&] { ocistore::parse_ini(text, "/x/config"); });
    BOOST_TEST(contains(message, "OCI config file /x/config " + problem), message);
  }
}

BOOST_AUTO_TEST_CASE(profiles_inherit_default_and_follow_oci_cli_profile) {
  TempDir dir;
  write_file(dir / "key.pem", ocitest::vector_private_key());
  const std::string config = ocitest::write_config(
      dir, "[DEFAULT]\n" + ocitest::profile_lines(dir / "key.pem") + "[OTHER]\nregion=eu-frankfurt-1\n");
  const auto defaults = resolve(config);
  BOOST_TEST(defaults.profile == "DEFAULT");
  BOOST_TEST(defaults.region == "us-phoenix-1");
  BOOST_TEST(defaults.key.key_id == std::string(ocitest::kTenancy) + "/" + ocitest::kUser + "/" + ocitest::kFingerprint);
  BOOST_TEST(defaults.endpoint.host == "objectstorage.us-phoenix-1.oraclecloud.com");
  BOOST_TEST(defaults.endpoint.scheme == "https");
  BOOST_TEST(defaults.bucket == "bucket");
  BOOST_TEST(defaults.retry.max_attempts == 8);  // the SDKs' DEFAULT_RETRY_STRATEGY
  // OCI_CLI_PROFILE picks [OTHER], which inherits everything else from [DEFAULT].
  const auto other = resolve(config, json::object(), "OTHER");
  BOOST_TEST(other.profile == "OTHER");
  BOOST_TEST(other.endpoint.host == "objectstorage.eu-frankfurt-1.oraclecloud.com");
  // The store's own keys win over the environment.
  const auto chosen = resolve("/nonexistent", {{"config_file", config}, {"profile", "OTHER"}, {"region", "ap-tokyo-1"}});
  BOOST_TEST(chosen.region == "ap-tokyo-1");
  ScopedEnv env;
  env.set("OCI_OBJECT_STORAGE_ENDPOINT", "http://127.0.0.1:9/base");
  const auto overridden = ocistore::resolve_oci_settings(cairn::Uri::parse("oci://bucket"), {{"config_file", config}});
  BOOST_TEST(overridden.endpoint.host == "127.0.0.1:9");
  BOOST_TEST(overridden.endpoint.path == "/base");
}

BOOST_AUTO_TEST_CASE(home_is_expanded_in_the_file_and_key_paths) {
  TempDir dir;
  write_file(dir / ".oci/key.pem", ocitest::vector_private_key());
  write_file(dir / ".oci/config", "[DEFAULT]\n" + ocitest::profile_lines("~/.oci/key.pem"));
  ScopedEnv env;
  env.set("HOME", dir.path().string()).unset("OCI_CONFIG_FILE").unset("OCI_CLI_PROFILE");
  const auto settings = ocistore::resolve_oci_settings(cairn::Uri::parse("oci://b"), json::object());
  BOOST_TEST(settings.config_file == dir / ".oci/config");
  BOOST_TEST(settings.key.private_key_pem == ocitest::vector_private_key());
}

BOOST_AUTO_TEST_CASE(config_file_problems_are_one_line_each) {
  TempDir dir;
  write_file(dir / "key.pem", ocitest::vector_private_key());
  write_file(dir / "not-a-key.pem", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
  const std::string full = ocitest::profile_lines(dir / "key.pem");

  auto text = config_error(dir / "missing");
  BOOST_TEST(contains(text, "object store 'oci' for 'oci://bucket/': OCI config file " + (dir / "missing") +
                                " cannot be read (No such file or directory)"), text);
  BOOST_TEST(contains(text, "oci setup config"), text);

  text = config_error(ocitest::write_config(dir, "[DEFAULT]\n" + full + "[A]\n[B]\n"), json::object(), "PROD");
  BOOST_TEST(contains(text, "has no profile [PROD] (it has: A, B, DEFAULT); add it or set OCI_CLI_PROFILE"), text);

  text = config_error(ocitest::write_config(dir, "[DEFAULT]\nregion=us-ashburn-1\nuser=ocid1.user.oc1..x\n"));
  BOOST_TEST(contains(text, "profile [DEFAULT] lacks fingerprint, key_file, tenancy; add them"), text);

  text = config_error(ocitest::write_config(dir, "[DEFAULT]\nsecurity_token_file=/t\nregion=r\n"));
  BOOST_TEST(contains(text, "session-token profile (security_token_file), which Cairn does not support"), text);

  std::string bad = full;
  bad.replace(bad.find(ocitest::kFingerprint), 2, "ZZ");
  text = config_error(ocitest::write_config(dir, "[DEFAULT]\n" + bad));
  BOOST_TEST(contains(text, "fingerprint is not 16 lower-case hex pairs"), text);

  text = config_error(ocitest::write_config(dir, "[DEFAULT]\n" + ocitest::profile_lines(dir / "nokey.pem")));
  BOOST_TEST(contains(text, "key_file '" + (dir / "nokey.pem") + "' cannot be read (No such file or directory)"), text);

  text = config_error(ocitest::write_config(dir, "[DEFAULT]\n" + ocitest::profile_lines(dir / "not-a-key.pem")));
  BOOST_TEST(contains(text, "is not a readable PEM private key; key_file must be the API key's PEM private key"), text);

  text = config_error(ocitest::write_config(dir, "[DEFAULT]\n" + full), {{"region", "Not A Region"}});
  BOOST_TEST(contains(text, "region 'Not A Region' is not a region name"), text);
}

BOOST_AUTO_TEST_CASE(an_encrypted_key_needs_its_pass_phrase) {
  TempDir dir;
  write_file(dir / "plain.pem", ocitest::vector_private_key());
  if (!ocitest::encrypt_key(dir / "plain.pem", "open sesame", dir / "enc.pem", false)) {
    CAIRN_SKIP_TEST("the openssl command is not installed");
  }
  const auto good = resolve(ocitest::write_config(dir, "[DEFAULT]\n" + ocitest::profile_lines(dir / "enc.pem", "pass_phrase=open sesame\n")));
  BOOST_TEST(good.key.passphrase == "open sesame");

  auto text = config_error(ocitest::write_config(dir, "[DEFAULT]\n" + ocitest::profile_lines(dir / "enc.pem")));
  BOOST_TEST(contains(text, "the private key is encrypted and no passphrase was given for it; add its pass_phrase to the profile"), text);

  text = config_error(ocitest::write_config(dir, "[DEFAULT]\n" + ocitest::profile_lines(dir / "enc.pem", "pass_phrase=guess\n")));
  BOOST_TEST(contains(text, "the passphrase is wrong; fix pass_phrase in the profile"), text);
  BOOST_TEST(!contains(text, "guess"));
}

BOOST_AUTO_TEST_CASE(store_keys_are_checked_before_the_config_file) {
  TempDir dir;
  // A misspelt key is reported as such even where no config file exists.
  auto text = config_error(dir / "missing", {{"part_sise", 1}});
  BOOST_TEST(contains(text, "unknown"), text);
  BOOST_TEST(contains(text, "part_sise"), text);
  text = config_error(dir / "missing", {{"part_size", 1 << 20}});
  BOOST_TEST(contains(text, "'part_size' must be between 10 MiB (10485760) and 50 GiB"), text);
  text = config_error(dir / "missing", {{"bucket", "other"}});
  BOOST_TEST(contains(text, "is 'other' but the URI names bucket 'bucket'"), text);
  text = config_error(dir / "missing", {{"timeout", "soon"}});
  BOOST_TEST(contains(text, "'timeout' must be seconds, or [connect, read] seconds"), text);
  text = config_error(dir / "missing", {{"retry_strategy", {{"max_attempts", 0}}}});
  BOOST_TEST(contains(text, "'max_attempts' must be at least 1"), text);
}

BOOST_AUTO_TEST_SUITE_END()
