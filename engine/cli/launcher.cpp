#include "cli/launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>

#include "cairn/errors.h"

namespace cairn::cli {
namespace {

using Clock = std::chrono::steady_clock;
// After a rank fails, how long the others may take to end by themselves (a
// failure agreed through fail_together ends every rank at once) before they
// get SIGTERM; and how long after SIGTERM before SIGKILL.
constexpr auto kEndGrace = std::chrono::seconds(3);
constexpr auto kStopGrace = std::chrono::seconds(5);

volatile std::sig_atomic_t signal_to_forward = 0;
void remember_signal(int signal) { signal_to_forward = signal; }

[[noreturn]] void fail_system(const std::string& what) {
  throw Error("launcher: " + what + " failed: " + std::strerror(errno));
}

// A port nobody listens on now, for rank 0's rendezvous store (as torchrun
// picks one): the kernel's choice for a socket bound to port 0.
int free_port(const std::string& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_system("socket()");
  sockaddr_in where{};
  where.sin_family = AF_INET;
  where.sin_port = 0;
  if (::inet_pton(AF_INET, address.c_str(), &where.sin_addr) != 1) where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof where;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&where), length) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&where), &length) != 0) {
    ::close(fd);
    fail_system("choosing a free port for the rendezvous");
  }
  ::close(fd);
  return ntohs(where.sin_port);
}

// One output stream of one rank, relayed line by line with its prefix.
struct Relay {
  int fd = -1;
  std::ostream* to = nullptr;
  std::string partial;
  // The last "cairn: error: ..." line, to repeat in the launcher's summary.
  std::string error_line;

  void emit(const std::string& prefix, const std::string& line) {
    if (line.rfind("cairn: error: ", 0) == 0) error_line = line.substr(14);
    *to << prefix << line << '\n';
  }
  // Reads what is there; false once the rank closed the stream.
  bool pump(const std::string& prefix) {
    char buffer[65536];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) {
      if (!partial.empty()) emit(prefix, partial);
      partial.clear();
      ::close(fd);
      fd = -1;
      to->flush();
      return false;
    }
    partial.append(buffer, size_t(n));
    size_t start = 0;
    for (size_t end; (end = partial.find('\n', start)) != std::string::npos; start = end + 1) {
      emit(prefix, partial.substr(start, end - start));
    }
    partial.erase(0, start);
    to->flush();
    return true;
  }
};

struct RankProcess {
  int rank = 0;
  pid_t pid = -1;
  std::string prefix;
  Relay out, err;
  std::optional<int> status;  // exit status once reaped (128 + N for signal N)
  bool stopped = false;       // the launcher sent it SIGTERM or SIGKILL

  // A failure of its own, rather than the echo of another rank's ("rank 0
  // failed: ...", "rank 1 of 2: allreduce failed: ...") or the launcher's stop.
  bool failed_first_hand() const {
    return status && *status != 0 && !stopped && err.error_line.rfind("rank ", 0) != 0;
  }
};

void set_env(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }

RankProcess start_rank(const LaunchOptions& options, int local_rank, const std::vector<std::string>& fit_args) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) fail_system("pipe()");
  RankProcess p;
  p.rank = options.node_rank * options.nproc_per_node + local_rank;
  p.prefix = "[rank " + std::to_string(p.rank) + "] ";
  p.pid = ::fork();
  if (p.pid < 0) fail_system("fork()");
  if (p.pid == 0) {
    // Its own process group: a Ctrl-C reaches the launcher alone, which
    // forwards it once to every rank.
    ::setpgid(0, 0);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    set_env("RANK", std::to_string(p.rank));
    set_env("LOCAL_RANK", std::to_string(local_rank));
    set_env("WORLD_SIZE", std::to_string(options.nproc_per_node * options.nnodes));
    set_env("LOCAL_WORLD_SIZE", std::to_string(options.nproc_per_node));
    set_env("NODE_RANK", std::to_string(options.node_rank));
    set_env("MASTER_ADDR", options.master_addr);
    set_env("MASTER_PORT", std::to_string(options.master_port));
    std::vector<std::string> words{"cairn", "fit"};
    words.insert(words.end(), fit_args.begin(), fit_args.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    const std::string line = std::string("cairn: error: launcher: cannot start rank: ") + std::strerror(errno) + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  p.out = Relay{out[0], &std::cout, {}, {}};
  p.err = Relay{err[0], &std::cerr, {}, {}};
  return p;
}

int exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

}  // namespace

bool LaunchOptions::launches() const {
  const char* rank = std::getenv("RANK");
  return nproc_per_node * nnodes > 1 && (rank == nullptr || *rank == '\0');
}

void LaunchOptions::check() const {
  if (nproc_per_node < 1) throw ConfigError("--nproc-per-node must be at least 1, got " + std::to_string(nproc_per_node));
  if (nnodes < 1) throw ConfigError("--nnodes must be at least 1, got " + std::to_string(nnodes));
  if (node_rank < 0 || node_rank >= nnodes) {
    throw ConfigError("--node-rank " + std::to_string(node_rank) + " is outside [0, " + std::to_string(nnodes) +
                      "); number the machines 0 to --nnodes minus 1");
  }
  if (master_port < 0 || master_port > 65535) {
    throw ConfigError("--master-port " + std::to_string(master_port) + " is not a port; use 1 to 65535");
  }
  if (nnodes > 1 && master_port == 0) {
    throw ConfigError("--nnodes " + std::to_string(nnodes) + " needs --master-port (and --master-addr): every " +
                      "machine must find node 0's rendezvous at the same address");
  }
}

int launch_ranks(const LaunchOptions& given, const std::vector<std::string>& fit_args) {
  LaunchOptions options = given;
  if (options.master_port == 0) options.master_port = free_port(options.master_addr);

  struct sigaction forward {};
  forward.sa_handler = remember_signal;
  ::sigemptyset(&forward.sa_mask);
  struct sigaction old_int {}, old_term {};
  ::sigaction(SIGINT, &forward, &old_int);
  ::sigaction(SIGTERM, &forward, &old_term);

  std::vector<RankProcess> ranks;
  for (int i = 0; i < options.nproc_per_node; ++i) ranks.push_back(start_rank(options, i, fit_args));

  const RankProcess* first_failure = nullptr;
  std::optional<Clock::time_point> stop_at, kill_at;
  auto signal_running = [&](int signal, bool stopping) {
    for (auto& r : ranks) {
      if (r.status) continue;
      ::kill(r.pid, signal);
      r.stopped = r.stopped || stopping;
    }
  };
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<std::pair<Relay*, const std::string*>> relays;
    for (auto& r : ranks) {
      for (Relay* relay : {&r.out, &r.err}) {
        if (relay->fd < 0) continue;
        fds.push_back(pollfd{relay->fd, POLLIN, 0});
        relays.emplace_back(relay, &r.prefix);
      }
    }
    const bool all_reaped =
        std::all_of(ranks.begin(), ranks.end(), [](const RankProcess& r) { return r.status.has_value(); });
    if (fds.empty() && all_reaped) break;
    if (fds.empty()) {
      ::usleep(200 * 1000);
    } else if (::poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) {
      fail_system("poll()");
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents != 0) relays[i].first->pump(*relays[i].second);
    }
    int wait_status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &wait_status, WNOHANG)) > 0;) {
      for (auto& r : ranks) {
        if (r.pid != pid) continue;
        r.status = exit_status(wait_status);
        if (*r.status != 0 && first_failure == nullptr) {
          first_failure = &r;
          stop_at = Clock::now() + kEndGrace;
        }
      }
    }
    if (signal_to_forward != 0) {
      signal_running(signal_to_forward, false);
      signal_to_forward = 0;
    }
    if (stop_at && Clock::now() >= *stop_at) {
      signal_running(SIGTERM, true);
      stop_at.reset();
      kill_at = Clock::now() + kStopGrace;
    }
    if (kill_at && Clock::now() >= *kill_at) {
      signal_running(SIGKILL, true);
      kill_at.reset();
    }
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (first_failure == nullptr) return 0;
  // The cause, when some rank's error is its own; the first to fail otherwise.
  for (const auto& r : ranks) {
    if (r.failed_first_hand()) {
      first_failure = &r;
      break;
    }
  }
  std::cout.flush();
  std::cerr << "cairn: error: rank " << first_failure->rank << " of " << options.nproc_per_node * options.nnodes
            << " failed with exit status " << *first_failure->status
            << (first_failure->err.error_line.empty() ? std::string() : ": " + first_failure->err.error_line)
            << "; the other ranks were stopped" << std::endl;
  return *first_failure->status;
}

}  // namespace cairn::cli
