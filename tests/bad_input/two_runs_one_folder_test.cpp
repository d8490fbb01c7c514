// Issue 8, class 3: two runs, one folder. A run holds its save folder; a
// second run into it is refused, naming the first one's pid and host, and
// the hold dies with the first process. Two real `cairn fit` processes.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "bad_input.h"

namespace fs = std::filesystem;

namespace cairn::test {

namespace {

// A `cairn fit` that trains until killed, in its own folder for its output.
class LongRun {
 public:
  LongRun(const fs::path& cwd, const std::vector<std::string>& args) {
    const fs::path cairn = fs::path(CAIRN_TEST_BINARY_DIR) / "bin" / "cairn";
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      if (chdir(cwd.c_str()) != 0) _exit(127);
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      unsetenv("COMPOSER_RUN_NAME");
      unsetenv("RUN_NAME");
      std::vector<char*> argv{const_cast<char*>(cairn.c_str())};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(cairn.c_str(), argv.data());
      _exit(127);
    }
  }
  ~LongRun() { stop(); }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);  // as a crash: the hold must go with the process
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Waits (bounded, never part of what passes) until the first run wrote its pid.
bool wait_for_lock(const fs::path& lock, pid_t pid, const LongRun& run) {
  for (int i = 0; i < 1200 && run.running(); ++i) {
    if (read_file(lock).rfind(std::to_string(pid) + " ", 0) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(two_runs_one_folder)

BOOST_AUTO_TEST_CASE(a_second_run_into_a_held_folder_is_refused) {
  TempDir dir;
  fs::create_directories(dir.path() / "first");
  fs::create_directories(dir.path() / "second");
  const std::string folder = (dir.path() / "shared").string();
  LongRun first(dir.path() / "first",
                with(kSample, {"--save-folder", folder, "--save-overwrite", "--max-duration", "1000000ep"}));
  BOOST_REQUIRE_MESSAGE(wait_for_lock(fs::path(folder) / ".cairn-lock", first.pid(), first),
                        "the first run did not take the folder");

  const Result second =
      run_cairn(with(kSample, {"--save-folder", folder, "--save-overwrite"}), dir.path() / "second");
  expect_one_line_error(second, 2, {"save_folder", folder, "pid " + std::to_string(first.pid()), host_name()});
  BOOST_TEST(first.running());

  first.stop();
  const Result after = run_cairn(with(kSample, {"--save-folder", folder, "--save-overwrite"}), dir.path() / "second");
  BOOST_TEST(after.status == 0, describe(after));
  BOOST_TEST(!fs::exists(fs::path(folder) / ".cairn-lock"));  // released, not left behind
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
