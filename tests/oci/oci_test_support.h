// Helpers shared by the oci tests: the published signing vectors, a store on
// the loopback fake with quick retries, and keys made with the openssl tool.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "cairn/object_store.h"
#include "oci_fake.h"
#include "oci_settings.h"
#include "oci_store.h"
#include "scoped_env.h"
#include "temp_dir.h"
#include "test_process.h"

namespace ocitest {

using cairn::test::random_bytes;
using cairn::test::run_command;
using cairn::test::shell_quote;

// OCI's published request-signing values (tests/s3/vectors/README.md).
inline nlohmann::json signing_vectors() {
  return nlohmann::json::parse(read_file(CAIRN_TEST_SOURCE_DIR "/tests/s3/vectors/oci-signing.json"));
}
inline std::string vector_private_key() {
  return read_file(CAIRN_TEST_SOURCE_DIR "/tests/s3/vectors/oci-signing-private-key.pem");
}

// A store on `fake` (or on `endpoint`, a proxy in front of it), with quick
// retries so that fault runs take seconds; `config` adds or overrides keys.
inline ocistore::OciStore store_on(const cairn::test::OciFake& fake, nlohmann::json config = nlohmann::json::object(),
                                   const std::string& endpoint = "") {
  cairn::test::ScopedEnv env;
  fake.export_env(env, endpoint);
  if (!config.contains("retry_strategy")) config["retry_strategy"] = {{"max_attempts", 4}};
  auto settings = ocistore::resolve_oci_settings(cairn::Uri::parse("oci://" + fake.bucket()), config);
  settings.retry.initial_backoff = std::chrono::milliseconds(10);
  settings.retry.max_backoff = std::chrono::milliseconds(200);
  return ocistore::OciStore(settings);
}

// An OCI config file with one [DEFAULT] profile of `lines` ("key=value\n...").
inline std::string write_config(const TempDir& dir, const std::string& lines, const std::string& name = "config") {
  const std::string path = dir / name;
  write_file(path, lines);
  return path;
}

// Key and OCIDs that pass the SDKs' shape checks.
constexpr const char* kUser = "ocid1.user.oc1..aaaaaaaatestuser";
constexpr const char* kTenancy = "ocid1.tenancy.oc1..aaaaaaaatesttenancy";
constexpr const char* kFingerprint = "73:61:a2:21:67:e0:df:be:7e:4b:93:1e:15:98:a5:b7";

// A full API-key profile whose key is `key_file`.
inline std::string profile_lines(const std::string& key_file, const std::string& extra = "") {
  return std::string("user=") + kUser + "\nfingerprint=" + kFingerprint + "\ntenancy=" + kTenancy +
         "\nregion=us-phoenix-1\nkey_file=" + key_file + "\n" + extra;
}

// `openssl` re-encrypts `pem_file` with `passphrase` (PKCS#8, or PKCS#1 with
// Proc-Type headers when `traditional`) into `out`; false when openssl is missing.
inline bool encrypt_key(const std::string& pem_file, const std::string& passphrase, const std::string& out,
                        bool traditional) {
  const std::string command = "openssl " + std::string(traditional ? "rsa -traditional -aes128" : "pkey -aes256") +
                              " -in " + shell_quote(pem_file) + " -passout " + shell_quote("pass:" + passphrase) +
                              " -out " + shell_quote(out);
  return run_command(command).status == 0;
}

inline bool one_line(const std::string& text) { return text.find('\n') == std::string::npos; }

// A copy of `fake`'s config file (in `dir`) whose profile names another key,
// OCI's published one: the fake cannot verify what it signs. Its path.
inline std::string config_with_another_key(const cairn::test::OciFake& fake, const TempDir& dir) {
  write_file(dir / "other.pem", vector_private_key());
  std::string config = read_file(fake.config_file());
  config.replace(config.find(fake.key_file()), fake.key_file().size(), dir / "other.pem");
  return write_config(dir, config);
}

}  // namespace ocitest
