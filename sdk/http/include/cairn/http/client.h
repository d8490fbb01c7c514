// An HTTP client on libcurl for object-store backends.
//
// - Connections are reused: finished easy handles go back to a pool and keep
//   their connections open; DNS answers and TLS sessions are shared between
//   handles. One Client may be used from many threads at once.
// - Request bodies stream from memory or from a range of an open file (pread,
//   so threads can send different ranges of one fd); responses stream to memory
//   or to a file at an offset (pwrite). An error response (status >= 300) is
//   always kept in memory instead, so it never lands in the destination file.
// - Timeouts: connect, stall (no byte moved for a while) and total.
// - TLS peers are verified by default, against `ca_bundle` when one is given
//   (store_settings.h reads it) or else the system's store. A certificate that
//   does not verify is a TransportError, not retryable, saying how to trust
//   the endpoint. `verify_tls = false` exists for tests against self-signed
//   servers and is never the default.
//
// The host process must call curl_global_init once before any Client is made
// (the Cairn engine does so when it starts its plugin host); a plugin must
// never call it itself: it is not thread-safe and process-global.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/errors.h"
#include "cairn/export.h"

namespace cairn::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup; "" when absent.
CAIRN_EXPORT std::string find_header(const Headers& headers, std::string_view name);

struct CAIRN_EXPORT RequestBody {
  enum class Kind { kNone, kMemory, kMemoryView, kFileRange };
  Kind kind = Kind::kNone;
  std::string data;             // kMemory
  const char* view = nullptr;   // kMemoryView: owned by the caller, alive while the request runs
  int fd = -1;                  // kFileRange: owned by the caller, open while the request runs
  uint64_t offset = 0;
  uint64_t length = 0;          // kMemoryView, kFileRange

  static RequestBody memory(std::string bytes);
  static RequestBody file_range(int fd, uint64_t offset, uint64_t length);
  // The body a request sends for `owner`: the same file range, or a view of
  // its memory rather than a copy (a part of a stream is megabytes, copied
  // again at every attempt otherwise). `owner` must outlive the request.
  static RequestBody view_of(const RequestBody& owner);
  bool in_memory() const { return kind == Kind::kMemory || kind == Kind::kMemoryView; }
  // The bytes of a body in memory (kMemory, kMemoryView); empty otherwise.
  std::string_view bytes() const {
    return kind == Kind::kMemory ? std::string_view(data)
           : kind == Kind::kMemoryView ? std::string_view(view, static_cast<size_t>(length))
                                       : std::string_view();
  }
  uint64_t size() const { return kind == Kind::kMemory ? data.size() : kind == Kind::kNone ? 0 : length; }
};

struct CAIRN_EXPORT ResponseSink {
  enum class Kind { kMemory, kFile };
  Kind kind = Kind::kMemory;
  int fd = -1;          // kFile: owned by the caller
  uint64_t offset = 0;  // where the first body byte goes

  static ResponseSink memory() { return {}; }
  static ResponseSink file_at(int fd, uint64_t offset);
};

struct CAIRN_EXPORT Request {
  std::string method = "GET";  // HEAD sends no body and reads none
  std::string url;             // already percent-encoded
  Headers headers;
  RequestBody body;
  ResponseSink sink;
};

struct CAIRN_EXPORT Response {
  long status = 0;
  Headers headers;
  std::string body;         // the body when the sink is memory, or an error body
  uint64_t body_bytes = 0;  // bytes of body received (memory or file)

  bool ok() const { return status >= 200 && status < 300; }
  std::string header(std::string_view name) const { return find_header(headers, name); }
};

struct CAIRN_EXPORT ClientOptions {
  long connect_timeout_ms = 10'000;
  // A transfer with no byte moving for this long is aborted (a stalled peer).
  long stall_timeout_ms = 60'000;
  // Whole request, 0 = none (large parts legitimately take long).
  long request_timeout_ms = 0;
  bool verify_tls = true;
  std::string ca_bundle;  // PEM file; "" = the system's store
  std::string ca_bundle_source;  // where ca_bundle came from, for messages ("$AWS_CA_BUNDLE")
  std::string user_agent = "cairn-http/1";
};

// No HTTP response came back: connection refused or reset, DNS, timeout,
// truncated body, TLS. `retryable()` says whether trying again can help (a
// certificate that does not verify will not get better).
class CAIRN_EXPORT TransportError : public cairn::Error {
 public:
  TransportError(const std::string& message, std::string code, bool retryable)
      : cairn::Error(message), code_(std::move(code)), retryable_(retryable) {}
  ~TransportError() override;
  const std::string& code() const { return code_; }  // libcurl's name, e.g. "COULDNT_CONNECT"
  bool retryable() const { return retryable_; }

 private:
  std::string code_;
  bool retryable_;
};

class CAIRN_EXPORT Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request and returns whatever status came back. Throws
  // TransportError when no complete response arrived. `on_bytes(n)` is called
  // as body bytes go out or come in (n = bytes since the previous call).
  Response perform(const Request& request, const std::function<void(uint64_t)>& on_bytes = {}) const;

  const ClientOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::http
