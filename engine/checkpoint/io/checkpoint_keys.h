// The keys that sign checkpoints and that loads trust, and the signature
// record that carries a signature inside a checkpoint.
//
// A key comes from a file (a saver or load option) or from an environment
// variable holding either the PEM text itself (a CI secret) or a file's path.
// Errors name where the key came from, never its bytes.
#pragma once

#include <optional>
#include <string>

namespace cairn::checkpoint {

// Ed25519 or RSA private key, PEM.
inline constexpr const char* kSigningKeyVariable = "CAIRN_SIGNING_KEY";
// The public key (PEM; a private key's public half also works) that loads require a signature from.
inline constexpr const char* kTrustedKeyVariable = "CAIRN_TRUSTED_KEY";

struct CheckpointKey {
  std::string pem;
  std::string source;       // "signing key file 'k.pem'", "CAIRN_SIGNING_KEY", for messages
  std::string kind;         // "Ed25519", "RSA-2048"
  std::string fingerprint;  // SHA-256 of the public key (public, safe to print)
};

// From `file` when given, else from the environment variable; nothing when
// neither is set. ConfigError naming the source when it cannot be read or is
// not a usable key of the right kind (a private key for signing).
std::optional<CheckpointKey> signing_key(const std::optional<std::string>& file);
std::optional<CheckpointKey> trusted_key(const std::optional<std::string>& file);

// The signature record's content: which key signed (its fingerprint) and the
// signature of `manifest`'s exact bytes (base64), as JSON.
std::string signature_record(const CheckpointKey& key, const std::string& manifest);

// Checks `signature` (a signature record's content, or nothing when the file
// has none) over `manifest` against `trusted`. Throws CheckpointError naming
// `path` and saying which: not signed, signed by another key, or the manifest
// changed after signing.
void check_signature(const std::optional<std::string>& signature, const std::string& manifest,
                     const CheckpointKey& trusted, const std::string& path);

}  // namespace cairn::checkpoint
