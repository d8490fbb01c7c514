#include "checkpoint/io/checkpoint_keys.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "core/one_line.h"

namespace cairn::checkpoint {
namespace {

const char kSignatureFormat[] = "cairn-signature-1";

std::string read_key_file(const std::string& file, const std::string& source) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError("cannot read the " + source + "; check the path and its permissions");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<CheckpointKey> load_key(const std::optional<std::string>& file, const char* variable,
                                      const std::string& what, bool need_private) {
  CheckpointKey key;
  if (file && !file->empty()) {
    key.source = what + " file '" + *file + "'";
    key.pem = read_key_file(*file, key.source);
  } else if (const char* value = std::getenv(variable); value != nullptr && *value != '\0') {
    const std::string text = value;
    if (text.find("-----BEGIN") != std::string::npos) {
      key.source = variable;
      key.pem = text;
    } else {
      key.source = what + " file '" + text + "' (from " + variable + ")";
      key.pem = read_key_file(text, key.source);
    }
  } else {
    return std::nullopt;
  }
  if (need_private && key.pem.find("PRIVATE KEY") == std::string::npos) {
    throw ConfigError("the " + key.source + " holds no PEM private key; give an Ed25519 or RSA private key " +
                      "(openssl genpkey -algorithm ed25519 -out key.pem)");
  }
  try {
    key.kind = http::key_kind(key.pem);
    key.fingerprint = http::public_key_fingerprint(key.pem);
  } catch (const Error& e) {
    // crypto's messages never quote key material.
    throw ConfigError("the " + key.source + " is not a usable key (" + e.what() +
                      "); give an unencrypted PEM Ed25519 or RSA key");
  }
  if (key.kind == "unsupported") {
    throw ConfigError("the " + key.source + " is neither an Ed25519 nor an RSA key; Cairn signs with those two");
  }
  return key;
}

}  // namespace

std::optional<CheckpointKey> signing_key(const std::optional<std::string>& file) {
  return load_key(file, kSigningKeyVariable, "signing key", /*need_private=*/true);
}

std::optional<CheckpointKey> trusted_key(const std::optional<std::string>& file) {
  return load_key(file, kTrustedKeyVariable, "trusted key", /*need_private=*/false);
}

std::string signature_record(const CheckpointKey& key, const std::string& manifest) {
  nlohmann::ordered_json record;
  record["format"] = kSignatureFormat;
  record["key"] = key.kind;
  record["key_sha256"] = key.fingerprint;
  record["signature"] = http::base64_encode(http::sign_with_private_key(key.pem, manifest));
  return record.dump() + "\n";
}

void check_signature(const std::optional<std::string>& signature, const std::string& manifest,
                     const CheckpointKey& trusted, const std::string& path) {
  const std::string prefix = "checkpoint '" + path + "' ";
  const std::string trusted_name = "the trusted " + trusted.kind + " key sha256:" + trusted.fingerprint.substr(0, 16);
  if (!signature) {
    throw CheckpointError(prefix + "is not signed, and a trusted key is configured (" + trusted.source +
                          "); load only checkpoints signed with " + trusted_name + ", or unset the trusted key");
  }
  std::string fingerprint;
  std::string bytes;
  try {
    const nlohmann::json record = nlohmann::json::parse(*signature);
    if (record.at("format").get<std::string>() != kSignatureFormat) throw std::runtime_error("format");
    fingerprint = record.at("key_sha256").get<std::string>();
    bytes = http::base64_decode(record.at("signature").get<std::string>());
  } catch (const std::exception&) {
    throw CheckpointError(prefix + "has a damaged signature record (cairn/manifest.sig); the file was altered, " +
                          "pick another copy");
  }
  if (fingerprint != trusted.fingerprint) {
    throw CheckpointError(prefix + "is signed by another key (sha256:" + one_line(fingerprint.substr(0, 16)) + "), not by " +
                          trusted_name + "; check which key signed it or trust that key");
  }
  if (!http::verify_signature(trusted.pem, manifest, bytes)) {
    throw CheckpointError(prefix + "has a signature that does not match its manifest (cairn/manifest.json): the " +
                          "manifest was changed after signing; do not use this file");
  }
}

}  // namespace cairn::checkpoint
