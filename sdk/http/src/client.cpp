#include "cairn/http/client.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <curl/curl.h>

#include "cairn/http/redact.h"

namespace cairn::http {

TransportError::~TransportError() = default;

std::string find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return "";
}

RequestBody RequestBody::memory(std::string bytes) {
  RequestBody body;
  body.kind = Kind::kMemory;
  body.data = std::move(bytes);
  body.length = body.data.size();
  return body;
}

RequestBody RequestBody::file_range(int fd, uint64_t offset, uint64_t length) {
  RequestBody body;
  body.kind = Kind::kFileRange;
  body.fd = fd;
  body.offset = offset;
  body.length = length;
  return body;
}

RequestBody RequestBody::view_of(const RequestBody& owner) {
  if (owner.kind != Kind::kMemory) return owner;
  RequestBody body;
  body.kind = Kind::kMemoryView;
  body.view = owner.data.data();
  body.length = owner.data.size();
  return body;
}

ResponseSink ResponseSink::file_at(int fd, uint64_t offset) {
  ResponseSink sink;
  sink.kind = Kind::kFile;
  sink.fd = fd;
  sink.offset = offset;
  return sink;
}

namespace {

// Error bodies are small XML or JSON documents; anything longer is cut.
constexpr size_t kMaxErrorBody = 64 * 1024;

// State of one transfer, reached from libcurl's callbacks.
struct Transfer {
  const Request* request;
  const std::function<void(uint64_t)>* on_bytes;
  CURL* handle;
  Response response;
  uint64_t sent = 0;
  std::string local_error;  // why a callback aborted the transfer (our side, not the network)
  bool status_known = false;
  bool to_file = false;

  void report(uint64_t n) {
    if (*on_bytes && n > 0) (*on_bytes)(n);
  }
};

size_t read_body(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const RequestBody& body = t->request->body;
  const uint64_t left = body.size() - t->sent;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(left, uint64_t{size} * count));
  if (want == 0) return 0;
  if (body.in_memory()) {
    std::memcpy(buffer, body.bytes().data() + t->sent, want);
  } else {
    ssize_t got;
    do {
      got = ::pread(body.fd, buffer, want, static_cast<off_t>(body.offset + t->sent));
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
      t->local_error = std::string("reading the local file failed: ") +
                       (got == 0 ? "it is shorter than when the upload started" : std::strerror(errno));
      return CURL_READFUNC_ABORT;
    }
    t->sent += static_cast<uint64_t>(got);
    t->report(static_cast<uint64_t>(got));
    return static_cast<size_t>(got);
  }
  t->sent += want;
  t->report(want);
  return want;
}

// libcurl rewinds the body when it must resend it (a redirect, a reused
// connection that turned out to be closed).
int seek_body(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > t->request->body.size()) return CURL_SEEKFUNC_FAIL;
  t->sent = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (!t->status_known) {
    curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &t->response.status);
    t->status_known = true;
    t->to_file = t->request->sink.kind == ResponseSink::Kind::kFile && t->response.status >= 200 && t->response.status < 300;
  }
  if (t->to_file) {
    size_t done = 0;
    while (done < n) {
      const ssize_t put = ::pwrite(t->request->sink.fd, data + done, n - done,
                                   static_cast<off_t>(t->request->sink.offset + t->response.body_bytes + done));
      if (put < 0 && errno == EINTR) continue;
      if (put <= 0) {
        t->local_error = std::string("writing the local file failed: ") + std::strerror(errno);
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
      }
      done += static_cast<size_t>(put);
    }
  } else if (t->response.body.size() < kMaxErrorBody || t->request->sink.kind == ResponseSink::Kind::kMemory) {
    t->response.body.append(data, n);
  }
  t->response.body_bytes += n;
  t->report(n);
  return n;
}

size_t read_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new response (after 100 Continue or a redirect)
  } else if (const auto colon = line.find(':'); colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    value = first == std::string::npos ? "" : value.substr(first);
    t->response.headers.emplace_back(line.substr(0, colon), value);
  }
  return n;
}

// Failures that may go away when the request is sent again.
bool retryable_code(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP3:
      return true;
    default:
      return false;
  }
}

// "COULDNT_CONNECT" from "Couldn't connect to server": a stable name for logs and tests.
std::string code_name(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST: return "COULDNT_RESOLVE_HOST";
    case CURLE_COULDNT_CONNECT: return "COULDNT_CONNECT";
    case CURLE_OPERATION_TIMEDOUT: return "OPERATION_TIMEDOUT";
    case CURLE_SEND_ERROR: return "SEND_ERROR";
    case CURLE_RECV_ERROR: return "RECV_ERROR";
    case CURLE_GOT_NOTHING: return "GOT_NOTHING";
    case CURLE_PARTIAL_FILE: return "PARTIAL_FILE";
    case CURLE_WRITE_ERROR: return "WRITE_ERROR";
    case CURLE_READ_ERROR: return "READ_ERROR";
    case CURLE_ABORTED_BY_CALLBACK: return "ABORTED_BY_CALLBACK";
    case CURLE_PEER_FAILED_VERIFICATION: return "PEER_FAILED_VERIFICATION";
    case CURLE_SSL_CACERT_BADFILE: return "SSL_CACERT_BADFILE";
    case CURLE_SSL_ISSUER_ERROR: return "SSL_ISSUER_ERROR";
    case CURLE_SSL_CONNECT_ERROR: return "SSL_CONNECT_ERROR";
    default: return "CURLE_" + std::to_string(static_cast<int>(code));
  }
}

// The URL without its query, which may carry presigned credentials.
std::string url_for_message(const std::string& url) { return redact(url.substr(0, url.find('?'))); }

// "https://host:port" of a URL: the endpoint a certificate belongs to.
std::string origin_of(const std::string& url) {
  const auto authority = url.find("://");
  const auto path = url.find_first_of("/?#", authority == std::string::npos ? 0 : authority + 3);
  return redact(url.substr(0, path));
}

bool certificate_refused(CURLcode code) {
  return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
         code == CURLE_SSL_ISSUER_ERROR || code == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

// One line: which endpoint, against what it was checked, libcurl's reason,
// and every way to trust it. Verification is never turned off as a remedy.
std::string certificate_message(const Request& request, const ClientOptions& o, const std::string& detail) {
  const std::string trusted_by =
      o.ca_bundle.empty() ? "the system's CA certificates"
                          : "the CA bundle '" + o.ca_bundle + "'" +
                                (o.ca_bundle_source.empty() ? "" : " (from " + o.ca_bundle_source + ")");
  return request.method + " " + url_for_message(request.url) + ": the TLS certificate of " + origin_of(request.url) +
         " is not trusted by " + trusted_by + " (" + redact(detail) +
         "); to trust it, point the store's ca_bundle setting, or AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE or "
         "SSL_CERT_FILE, at a PEM file holding its certificate or the CA that signed it";
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;
  std::mutex pool_lock;
  std::vector<CURL*> idle;  // finished handles, each keeping its connection open

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[data].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) { static_cast<Impl*>(user)->share_locks[data].unlock(); }

  CURL* acquire() {
    {
      std::lock_guard<std::mutex> guard(pool_lock);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    CURL* handle = curl_easy_init();
    if (handle == nullptr) throw TransportError("libcurl could not create a handle (out of memory?)", "INIT", false);
    return handle;
  }

  void release(CURL* handle) {
    curl_easy_reset(handle);  // keeps the handle's open connections
    std::lock_guard<std::mutex> guard(pool_lock);
    idle.push_back(handle);
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->share = curl_share_init();
  if (impl_->share != nullptr) {
    curl_share_setopt(impl_->share, CURLSHOPT_LOCKFUNC, &Impl::lock);
    curl_share_setopt(impl_->share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
    curl_share_setopt(impl_->share, CURLSHOPT_USERDATA, impl_.get());
    curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
}

Client::~Client() {
  for (CURL* handle : impl_->idle) curl_easy_cleanup(handle);
  if (impl_->share != nullptr) curl_share_cleanup(impl_->share);
}

const ClientOptions& Client::options() const { return impl_->options; }

Response Client::perform(const Request& request, const std::function<void(uint64_t)>& on_bytes) const {
  CURL* handle = impl_->acquire();
  struct Releaser {
    Impl* impl;
    CURL* handle;
    curl_slist* headers = nullptr;
    ~Releaser() {
      curl_slist_free_all(headers);
      impl->release(handle);
    }
  } releaser{impl_.get(), handle};

  Transfer transfer{&request, &on_bytes, handle, {}};
  const ClientOptions& o = impl_->options;
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  if (impl_->share != nullptr) curl_easy_setopt(handle, CURLOPT_SHARE, impl_->share);
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, o.connect_timeout_ms);
  if (o.stall_timeout_ms > 0) {
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, std::max(1L, (o.stall_timeout_ms + 999) / 1000));
  }
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, o.request_timeout_ms);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L);
  if (!o.ca_bundle.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, o.ca_bundle.c_str());

  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &read_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);

  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && request.body.kind == RequestBody::Kind::kNone) {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    // Every other method streams its body (possibly empty) with a known length.
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, &read_body);
    curl_easy_setopt(handle, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, &seek_body);
    curl_easy_setopt(handle, CURLOPT_SEEKDATA, &transfer);
    if (request.method != "PUT") curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  // "Expect: 100-continue" costs a round trip per upload for nothing here.
  releaser.headers = curl_slist_append(releaser.headers, "Expect:");
  for (const auto& [name, value] : request.headers) {
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    releaser.headers = curl_slist_append(releaser.headers, line.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, releaser.headers);

  const CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    if (!transfer.local_error.empty()) {
      throw TransportError(request.method + " " + url_for_message(request.url) + ": " + transfer.local_error,
                           code_name(code), false);
    }
    const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    if (certificate_refused(code)) throw TransportError(certificate_message(request, o, detail), code_name(code), false);
    throw TransportError(request.method + " " + url_for_message(request.url) + " failed: " + redact(detail) + " (" +
                             code_name(code) + ")",
                         code_name(code), retryable_code(code));
  }
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
}

}  // namespace cairn::http
