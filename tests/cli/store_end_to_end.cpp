#include "store_end_to_end.h"

#include <boost/test/unit_test.hpp>

#include <sstream>

#include "test_process.h"

namespace fs = std::filesystem;

namespace cairn::test {

std::string uploader_flag(const std::string& bucket_uri, int attempts, const nlohmann::json& backend_kwargs) {
  const nlohmann::json config = {{"bucket_uri", bucket_uri},
                                 {"num_attempts", attempts},
                                 {"initial_backoff_seconds", 0.05},
                                 {"backend_kwargs", backend_kwargs}};
  return "RemoteUploaderDownloader=" + config.dump();
}

nlohmann::json quick_s3_client(int attempts) {
  return {{"client_config",
           {{"connect_timeout", 2},
            {"read_timeout", 2},
            {"retries", {{"total_max_attempts", attempts}, {"deadline", 60}}}}}};
}

std::vector<std::string> s3_fault_kinds() {
  return {"internal_error", "service_unavailable", "slow_down", "reset_before", "stall", "reset_mid", "truncate_body"};
}

std::vector<std::string> listed_names(const std::string& uri, const fs::path& cwd,
                                      const std::map<std::string, std::string>& env) {
  const Result r = run_cairn({"ls", uri}, cwd, env);
  BOOST_REQUIRE_MESSAGE(r.status == 0, describe(r));
  std::vector<std::string> names;
  std::istringstream lines(r.out);
  std::string size, name;
  while (lines >> size >> name) names.push_back(name);
  return names;
}

std::map<std::string, fs::path> local_checkpoints(const fs::path& folder) {
  std::map<std::string, fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (e.is_regular_file() && e.path().extension() == ".pt" && !fs::is_symlink(e.path()) &&
        e.path().filename().string().rfind("ep", 0) == 0) {
      files.emplace(e.path().filename().string(), e.path());
    }
  }
  return files;
}

std::string aws_get(const std::string& endpoint, const std::string& uri, const fs::path& to) {
  const std::string command = "/usr/bin/aws --endpoint-url " + endpoint + " s3 cp --only-show-errors " +
                              shell_quote(uri) + " " + shell_quote(to.string());
  BOOST_REQUIRE_MESSAGE(run_command(command).status == 0, "awscli could not read " << uri);
  return read_file(to);
}

bool same_model_in_python(const fs::path& a, const fs::path& b) {
  const std::string script =
      "import sys, torch\n"
      "a = torch.load(sys.argv[1])['state']['model']; b = torch.load(sys.argv[2])['state']['model']\n"
      "assert a.keys() == b.keys(), (a.keys(), b.keys())\n"
      "sys.exit(0 if all(torch.equal(a[k], b[k]) for k in a) else 1)\n";
  return run_command(std::string(CAIRN_TEST_PYTHON) + " -c " + shell_quote(script) + " " + shell_quote(a.string()) +
                     " " + shell_quote(b.string()))
             .status == 0;
}

}  // namespace cairn::test
