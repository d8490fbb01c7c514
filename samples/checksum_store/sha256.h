// Streaming SHA-256 (OpenSSL EVP), hex-encoded.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace checked_store {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  // Lower-case hex of the digest; the object is spent afterwards.
  std::string hex_digest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace checked_store
