// Runs one of the Python loopback-peer CLIs in tests/support (s3_peers.py,
// fault_proxy.py) for a C++ test: starts it, reads the one JSON line it prints,
// and on destruction closes its stdin, which makes it stop its server, remove
// its temp folders and exit. A peer that cannot run on this machine (exit 77,
// {"unavailable": REASON}) gives available() == false and a skip_reason().
//
// The JSON line may hold keys: tests read it, never log it.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_skip.h"

#ifndef CAIRN_TEST_PYTHON
#define CAIRN_TEST_PYTHON "/usr/bin/python3"
#endif

namespace cairn::test {

class LoopbackPeer {
 public:
  // `script` is a path to the CLI, `args` its arguments ("start", "moto", ...).
  LoopbackPeer(const std::string& script, const std::vector<std::string>& args,
               std::chrono::seconds start_timeout = std::chrono::seconds(180)) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("loopback peer: pipe: " + std::string(std::strerror(errno)));
    std::vector<std::string> argv_strings{CAIRN_TEST_PYTHON, script};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("loopback peer: fork: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    const std::string line = read_line(start_timeout);
    if (line.empty()) {
      const int status = stop();
      throw std::runtime_error(script + " printed no JSON line (exit status " +
                               std::to_string(status) + "); its stderr says why");
    }
    try {
      info_ = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      stop();
      throw std::runtime_error(script + " printed a line that is not JSON");
    }
    if (info_.contains("unavailable")) {
      skip_reason_ = info_["unavailable"].get<std::string>();
      stop();
    }
  }

  LoopbackPeer(const LoopbackPeer&) = delete;
  LoopbackPeer& operator=(const LoopbackPeer&) = delete;
  ~LoopbackPeer() { stop(); }

  bool available() const { return skip_reason_.empty(); }
  const std::string& skip_reason() const { return skip_reason_; }
  const nlohmann::json& info() const { return info_; }
  // What the CLI printed after its JSON line, read when it stopped (the fault
  // proxy prints its final counters there).
  const std::string& final_output() const { return final_output_; }

  // Releases the CLI and waits for it (it stops its server first). Returns its
  // exit status, or -1 if it had to be killed. Safe to call twice.
  int stop() {
    if (pid_ <= 0) return exit_status_;
    if (stdin_fd_ >= 0) close(stdin_fd_);
    stdin_fd_ = -1;
    final_output_ += read_rest(std::chrono::seconds(60));
    int status = 0;
    if (!wait_for_exit(std::chrono::seconds(5), &status)) {
      kill(pid_, SIGTERM);
      if (!wait_for_exit(std::chrono::seconds(10), &status)) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        status = -1;
      }
    }
    if (stdout_fd_ >= 0) close(stdout_fd_);
    stdout_fd_ = -1;
    pid_ = -1;
    exit_status_ = status == -1 ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return exit_status_;
  }

 private:
  // One line from the CLI's stdout; empty if it closed or the timeout passed.
  std::string read_line(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    char c;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_fd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      const ssize_t n = read(stdout_fd_, &c, 1);
      if (n <= 0) return "";
      if (c == '\n') return line;
      line += c;
    }
    return "";
  }

  // Everything until EOF (the CLI exited), at most `timeout` long.
  std::string read_rest(std::chrono::seconds timeout) {
    std::string rest;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    while (stdout_fd_ >= 0 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_fd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      const ssize_t n = read(stdout_fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      rest.append(buffer, static_cast<size_t>(n));
    }
    return rest;
  }

  bool wait_for_exit(std::chrono::seconds timeout, int* status) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, status, WNOHANG) == pid_) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int exit_status_ = -1;
  nlohmann::json info_;
  std::string skip_reason_;
  std::string final_output_;
};

// In a Boost test case: skip (test_skip.h: recorded, printed, a failure under
// CAIRN_REQUIRE_PEERS=1) when `peer` cannot run on this machine.
#define CAIRN_SKIP_UNLESS_AVAILABLE(peer) \
  do {                                    \
    if (!(peer).available()) CAIRN_SKIP_TEST((peer).skip_reason()); \
  } while (0)

}  // namespace cairn::test
