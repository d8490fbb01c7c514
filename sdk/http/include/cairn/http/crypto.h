// Hashing, MACs and signatures on OpenSSL, for request signing (AWS SigV4,
// GCS HMAC and V4, OCI and Google service-account RS256).
//
// Byte strings are std::string (raw bytes, not text); to_hex / base64_encode
// turn them into text. Failures throw cairn::Error with a message that never
// contains key material.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cairn/export.h"

namespace cairn::http {

// SHA-256 over data that arrives in pieces (a file read in chunks, a body as
// it is sent). finish() may be called once.
class CAIRN_EXPORT Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  std::string finish();      // 32 raw bytes
  std::string finish_hex();  // 64 lower-case hex digits

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

CAIRN_EXPORT std::string sha256(std::string_view data);      // raw bytes
CAIRN_EXPORT std::string sha256_hex(std::string_view data);  // lower-case hex

// SHA-256 of `length` bytes of an open file starting at `offset`, read in
// chunks with pread (the file position is untouched, so threads may share fd).
CAIRN_EXPORT std::string sha256_hex_of_file_range(int fd, uint64_t offset, uint64_t length);

CAIRN_EXPORT std::string hmac_sha256(std::string_view key, std::string_view data);  // raw bytes

// RSASSA-PKCS1-v1_5 with SHA-256 (JWT "RS256", OCI "rsa-sha256") with a PEM
// RSA private key (PKCS#1 or PKCS#8). Returns the raw signature.
CAIRN_EXPORT std::string rsa_sha256_sign(const std::string& private_key_pem, std::string_view data);
// The same with a key that may be encrypted ("ENCRYPTED PRIVATE KEY", or
// PKCS#1 with "Proc-Type: 4,ENCRYPTED"), as OCI's key_file + pass_phrase are:
// `passphrase` decrypts it ("" = none given). OpenSSL is never left to prompt
// on the terminal: an encrypted key without a passphrase, or with a wrong one,
// throws cairn::Error saying which, without quoting key or passphrase.
CAIRN_EXPORT std::string rsa_sha256_sign(const std::string& private_key_pem, std::string_view data,
                                         const std::string& passphrase);

// Signatures for checkpoints, with a PEM key of either kind Cairn accepts:
// Ed25519 (signs `data` itself) or RSA (RSASSA-PKCS1-v1_5 over SHA-256).
// Other key kinds, unreadable or encrypted keys throw cairn::Error.
CAIRN_EXPORT std::string sign_with_private_key(const std::string& private_key_pem, std::string_view data);
// Whether `signature` is the signature of `data` by the key `public_key_pem`
// (a PEM public key, or a private key whose public half is meant).
CAIRN_EXPORT bool verify_signature(const std::string& public_key_pem, std::string_view data,
                                   std::string_view signature);
// Names a key without showing it: SHA-256 (hex) of its public half's DER
// SubjectPublicKeyInfo, as `openssl pkey -pubout -outform DER | sha256sum`.
CAIRN_EXPORT std::string public_key_fingerprint(const std::string& key_pem);
// "Ed25519", "RSA-2048", ... for messages.
CAIRN_EXPORT std::string key_kind(const std::string& key_pem);

CAIRN_EXPORT std::string to_hex(std::string_view bytes);
CAIRN_EXPORT std::string base64_encode(std::string_view bytes);
// Throws cairn::Error on characters outside the standard alphabet.
CAIRN_EXPORT std::string base64_decode(std::string_view text);

}  // namespace cairn::http
