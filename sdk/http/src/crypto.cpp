#include "cairn/http/crypto.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cairn/errors.h"

namespace cairn::http {

namespace {

[[noreturn]] void fail(const std::string& what) { throw cairn::Error("crypto: " + what + " failed in OpenSSL"); }

struct MdContextDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

struct Sha256::Context {
  std::unique_ptr<EVP_MD_CTX, MdContextDeleter> ctx{EVP_MD_CTX_new()};
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  if (!context_->ctx || EVP_DigestInit_ex(context_->ctx.get(), EVP_sha256(), nullptr) != 1) fail("SHA-256 init");
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
  if (size != 0 && EVP_DigestUpdate(context_->ctx.get(), data, size) != 1) fail("SHA-256 update");
}

std::string Sha256::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_->ctx.get(), digest, &length) != 1) fail("SHA-256 final");
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Sha256::finish_hex() { return to_hex(finish()); }

std::string sha256(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.finish();
}

std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

std::string sha256_hex_of_file_range(int fd, uint64_t offset, uint64_t length) {
  Sha256 hash;
  std::vector<char> buffer(size_t{1} << 20);
  while (length > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(length, buffer.size()));
    const ssize_t got = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      throw cairn::Error(std::string("reading a file to hash it failed: ") +
                         (got == 0 ? "the file is shorter than expected (was it changed meanwhile?)" : std::strerror(errno)));
    }
    hash.update(buffer.data(), static_cast<size_t>(got));
    offset += static_cast<uint64_t>(got);
    length -= static_cast<uint64_t>(got);
  }
  return hash.finish_hex();
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), mac, &length) == nullptr) {
    fail("HMAC-SHA256");
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

namespace {

// OpenSSL's password callback: the caller's passphrase, or a refusal. Without
// a callback OpenSSL would read one from the terminal (PEM_def_callback).
int give_passphrase(char* buffer, int size, int, void* user) {
  const auto* passphrase = static_cast<const std::string*>(user);
  if (passphrase == nullptr || passphrase->empty() || size <= 0) return -1;
  const int length = static_cast<int>(std::min<size_t>(passphrase->size(), static_cast<size_t>(size)));
  std::memcpy(buffer, passphrase->data(), static_cast<size_t>(length));
  return length;
}

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

KeyPtr read_private_key(const std::string& pem, const std::string& passphrase) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) fail("reading the private key");
  std::string given = passphrase;  // OpenSSL's callback takes a non-const pointer
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, &give_passphrase, &given), &EVP_PKEY_free);
  // A failed read leaves OpenSSL errors on this thread's queue, where a later
  // TLS call (libcurl's) would find them and misreport its own outcome.
  if (!key) ERR_clear_error();
  const bool encrypted = pem.find("ENCRYPTED") != std::string::npos;
  if (!key && encrypted && passphrase.empty()) {
    throw cairn::Error("crypto: the private key is encrypted and no passphrase was given for it");
  }
  if (!key && encrypted) {
    throw cairn::Error("crypto: the private key could not be decrypted: the passphrase is wrong");
  }
  if (!key) throw cairn::Error("crypto: the private key is not a readable PEM private key");
  return key;
}

KeyPtr read_rsa_key(const std::string& pem, const std::string& passphrase) {
  KeyPtr key = read_private_key(pem, passphrase);
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) throw cairn::Error("crypto: the private key is not an RSA key");
  return key;
}

// A public key, or the public half of a private key (either PEM).
KeyPtr read_public_key(const std::string& pem) {
  if (pem.find("PRIVATE KEY") != std::string::npos) return read_private_key(pem, "");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) fail("reading the public key");
  KeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) {
    ERR_clear_error();
    throw cairn::Error("crypto: the public key is not a readable PEM public key");
  }
  return key;
}

// Ed25519 signs the data itself (no digest); RSA signs its SHA-256 (PKCS#1 v1.5).
const EVP_MD* digest_for(EVP_PKEY* key) {
  const int type = EVP_PKEY_base_id(key);
  if (type == EVP_PKEY_ED25519) return nullptr;
  if (type == EVP_PKEY_RSA) return EVP_sha256();
  throw cairn::Error("crypto: the key is neither Ed25519 nor RSA, the kinds Cairn signs with");
}

std::string sign_with(EVP_PKEY* key, const EVP_MD* md, std::string_view data, const std::string& what) {
  std::unique_ptr<EVP_MD_CTX, MdContextDeleter> ctx(EVP_MD_CTX_new());
  size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    fail(what);
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    fail(what);
  }
  signature.resize(length);
  return signature;
}

}  // namespace

std::string rsa_sha256_sign(const std::string& private_key_pem, std::string_view data) {
  return rsa_sha256_sign(private_key_pem, data, "");
}

std::string rsa_sha256_sign(const std::string& private_key_pem, std::string_view data, const std::string& passphrase) {
  const auto key = read_rsa_key(private_key_pem, passphrase);
  return sign_with(key.get(), EVP_sha256(), data, "RSA-SHA256 signing");
}

std::string sign_with_private_key(const std::string& private_key_pem, std::string_view data) {
  const auto key = read_private_key(private_key_pem, "");
  return sign_with(key.get(), digest_for(key.get()), data, "signing");
}

bool verify_signature(const std::string& public_key_pem, std::string_view data, std::string_view signature) {
  const auto key = read_public_key(public_key_pem);
  const EVP_MD* md = digest_for(key.get());
  std::unique_ptr<EVP_MD_CTX, MdContextDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1) fail("signature check setup");
  const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                  reinterpret_cast<const unsigned char*>(data.data()), data.size());
  ERR_clear_error();  // a wrong signature queues errors too
  return rc == 1;
}

std::string public_key_fingerprint(const std::string& key_pem) {
  const auto key = read_public_key(key_pem);
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key.get(), &der);
  if (length <= 0) fail("encoding the public key");
  const std::string digest = sha256_hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(length)));
  OPENSSL_free(der);
  return digest;
}

std::string key_kind(const std::string& key_pem) {
  const auto key = read_public_key(key_pem);
  const int type = EVP_PKEY_base_id(key.get());
  if (type == EVP_PKEY_ED25519) return "Ed25519";
  if (type == EVP_PKEY_RSA) return "RSA-" + std::to_string(EVP_PKEY_bits(key.get()));
  return "unsupported";
}

std::string to_hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string base64_decode(std::string_view text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    const auto index = alphabet.find(c);
    if (index == std::string::npos || padding > 0) throw cairn::Error("base64: the text has a character outside the base64 alphabet");
    bits = (bits << 6) | static_cast<uint32_t>(index);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

}  // namespace cairn::http
