// A scripted HTTP/1.1 server on loopback for the failure paths real servers
// cannot be made to take on demand (a 200 carrying an <Error>, SlowDown).
// Each connection has its own thread; the handler sees every request and
// returns the reply. Only for tests of the S3 client's error handling; the
// store's operations are tested against moto_server and s3rver.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cairn/http/client.h"

namespace s3test {

struct ReceivedRequest {
  std::string method;
  std::string target;  // path and query, as sent
  cairn::http::Headers headers;
  std::string body;
  std::string header(const std::string& name) const { return cairn::http::find_header(headers, name); }
};

struct Reply {
  int status = 200;
  std::string body;
  cairn::http::Headers headers;
};

class FakeS3Server {
 public:
  explicit FakeS3Server(std::function<Reply(const ReceivedRequest&)> handler);
  ~FakeS3Server();
  FakeS3Server(const FakeS3Server&) = delete;
  FakeS3Server& operator=(const FakeS3Server&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<ReceivedRequest> requests() const;

 private:
  void accept_loop();
  void serve(int fd);

  std::function<Reply(const ReceivedRequest&)> handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<std::thread> connections_;
  std::vector<int> connection_fds_;
  mutable std::mutex lock_;
  std::vector<ReceivedRequest> requests_;
};

// Whether the request carries a SigV4 signature that the secret reproduces
// (from what arrived: method, path, query, the signed headers), and its
// x-amz-content-sha256 is the hash of the body that arrived.
bool signature_is_valid(const ReceivedRequest& request, const std::string& secret, const std::string& region);

}  // namespace s3test
