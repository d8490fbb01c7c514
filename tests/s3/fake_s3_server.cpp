#include "fake_s3_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include "cairn/http/crypto.h"
#include "cairn/http/sigv4.h"
#include "cairn/http/url.h"

namespace s3test {

FakeS3Server::FakeS3Server(std::function<Reply(const ReceivedRequest&)> handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // the kernel picks a free port
  socklen_t length = sizeof(address);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 64) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("fake S3 server: cannot listen on loopback");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeS3Server::~FakeS3Server() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  {
    std::lock_guard<std::mutex> guard(lock_);
    for (int fd : connection_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& thread : connections_) thread.join();
}

std::vector<ReceivedRequest> FakeS3Server::requests() const {
  std::lock_guard<std::mutex> guard(lock_);
  return requests_;
}

void FakeS3Server::accept_loop() {
  while (!stopping_) {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    if (stopping_) {
      ::close(fd);
      break;
    }
    std::lock_guard<std::mutex> guard(lock_);
    connection_fds_.push_back(fd);
    connections_.emplace_back([this, fd] { serve(fd); });
  }
}

void FakeS3Server::serve(int fd) {
  std::string buffer;
  char chunk[65536];
  const auto fill = [&]() {
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  };
  for (;;) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) {
        ::close(fd);
        return;
      }
    }
    ReceivedRequest request;
    std::istringstream head(buffer.substr(0, end));
    std::string line;
    std::getline(head, line);
    std::istringstream first(line);
    first >> request.method >> request.target;
    size_t content_length = 0;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers.emplace_back(line.substr(0, colon), value);
    }
    const std::string length = request.header("Content-Length");
    if (!length.empty()) content_length = std::stoul(length);
    buffer.erase(0, end + 4);
    while (buffer.size() < content_length) {
      if (!fill()) {
        ::close(fd);
        return;
      }
    }
    request.body = buffer.substr(0, content_length);
    buffer.erase(0, content_length);

    const Reply reply = handler_(request);
    {
      std::lock_guard<std::mutex> guard(lock_);
      requests_.push_back(request);
    }
    std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " Fake\r\nContent-Length: " +
                           std::to_string(reply.body.size()) + "\r\n";
    for (const auto& [name, value] : reply.headers) response += name + ": " + value + "\r\n";
    response += "\r\n";
    if (request.method != "HEAD") response += reply.body;
    if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(response.size())) {
      ::close(fd);
      return;
    }
  }
}

bool signature_is_valid(const ReceivedRequest& request, const std::string& secret, const std::string& region) {
  const std::string authorization = request.header("Authorization");
  const auto field = [&](const std::string& name) {
    const auto at = authorization.find(name + "=");
    if (at == std::string::npos) return std::string();
    const auto start = at + name.size() + 1;
    return authorization.substr(start, authorization.find(',', start) - start);
  };
  const std::string credential = field("Credential");
  const std::string signed_headers = field("SignedHeaders");
  if (authorization.rfind("AWS4-HMAC-SHA256 ", 0) != 0 || credential.empty() || signed_headers.empty()) return false;
  if (request.header("x-amz-content-sha256") != cairn::http::sha256_hex(request.body)) return false;

  cairn::http::sigv4::Request signing;
  signing.method = request.method;
  const auto question = request.target.find('?');
  signing.path = cairn::http::percent_decode(request.target.substr(0, question));
  if (question != std::string::npos) {
    std::istringstream query(request.target.substr(question + 1));
    std::string pair;
    while (std::getline(query, pair, '&')) {
      const auto eq = pair.find('=');
      signing.query.emplace_back(cairn::http::percent_decode(pair.substr(0, eq)),
                                 eq == std::string::npos ? "" : cairn::http::percent_decode(pair.substr(eq + 1)));
    }
  }
  std::istringstream names(signed_headers);
  std::string name;
  while (std::getline(names, name, ';')) signing.headers.emplace_back(name, request.header(name));
  signing.payload_hash = request.header("x-amz-content-sha256");
  const std::string access_key = credential.substr(0, credential.find('/'));
  const auto expected = cairn::http::sigv4::sign(signing, {access_key, secret, ""},
                                         {region, "s3", request.header("x-amz-date"), false});
  return expected.authorization == authorization;
}

}  // namespace s3test
