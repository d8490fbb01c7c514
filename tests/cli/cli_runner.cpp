#include "cli_runner.h"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace cairn::test {

const fs::path kCairn = fs::path(CAIRN_TEST_BINARY_DIR) / "bin" / "cairn";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Result run_program(const std::vector<std::string>& argv, const fs::path& cwd,
                   const std::map<std::string, std::string>& env, unsigned timeout_s) {
  const fs::path out_file = cwd / ".cairn-stdout", err_file = cwd / ".cairn-stderr";
  const pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(127);
    const int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    unsetenv("COMPOSER_RUN_NAME");
    unsetenv("RUN_NAME");
    unsetenv("CAIRN_PLUGIN_PATH");
    for (const auto& [name, value] : env) {
      if (value.empty()) {
        unsetenv(name.c_str());
      } else {
        setenv(name.c_str(), value.c_str(), 1);
      }
    }
    if (timeout_s > 0) alarm(timeout_s);  // pending alarms survive execv
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  Result r;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = read_file(out_file);
  r.err = read_file(err_file);
  fs::remove(out_file);
  fs::remove(err_file);
  return r;
}

Result run_cairn(const std::vector<std::string>& args, const fs::path& cwd,
                 const std::map<std::string, std::string>& env, unsigned timeout_s) {
  std::vector<std::string> argv{kCairn.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, cwd, env, timeout_s);
}

fs::path cairn_path() { return kCairn; }

std::string describe(const Result& r) { return "status " + std::to_string(r.status) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err; }


const std::vector<std::string> kSample = {"fit", "--model", "mlp", "--data", "synthetic", "--seed", "42"};

std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

nlohmann::json inspect_json(const fs::path& checkpoint, const fs::path& cwd) {
  const Result r = run_cairn({"inspect", "--json", checkpoint.string()}, cwd);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  return nlohmann::json::parse(r.out);
}

}  // namespace cairn::test
