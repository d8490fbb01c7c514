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

CAIRN_EXPORT std::string to_hex(std::string_view bytes);
CAIRN_EXPORT std::string base64_encode(std::string_view bytes);
// Throws cairn::Error on characters outside the standard alphabet.
CAIRN_EXPORT std::string base64_decode(std::string_view text);

}  // namespace cairn::http
