// `cairn cp`, `cairn ls` and remote checkpointing through `cairn fit`, with
// file:// URIs (the built-in local store): the same code paths every store
// plugin goes through.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include "cli_runner.h"

namespace fs = std::filesystem;

namespace cairn::test {
namespace {

void write_file(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(transfer_commands)

BOOST_AUTO_TEST_CASE(cp_and_ls_between_local_paths_and_a_store) {
  TempDir dir;
  write_file(dir.path() / "a.bin", std::string(3000, 'x'));
  const std::string bucket = "file://" + (dir.path() / "bucket").string();

  Result up = run_cairn({"cp", "a.bin", bucket + "/run/a.bin"}, dir.path());
  BOOST_REQUIRE_MESSAGE(up.status == 0, describe(up));
  BOOST_TEST(read_file(dir.path() / "bucket/run/a.bin") == std::string(3000, 'x'));
  // A URI ending in '/' keeps the source's name.
  write_file(dir.path() / "b.bin", "bee");
  BOOST_REQUIRE(run_cairn({"cp", "b.bin", bucket + "/run/"}, dir.path()).status == 0);

  const Result listed = run_cairn({"ls", bucket + "/run/"}, dir.path());
  BOOST_REQUIRE_MESSAGE(listed.status == 0, describe(listed));
  const std::string prefix = (dir.path() / "bucket/run").string().substr(1);
  BOOST_TEST(listed.out == "        3000  " + prefix + "/a.bin\n           3  " + prefix + "/b.bin\n", describe(listed));
  // Prefix semantics, as S3's: "run/a" matches "run/a.bin" only.
  BOOST_TEST(run_cairn({"ls", bucket + "/run/a"}, dir.path()).out == "        3000  " + prefix + "/a.bin\n");

  const Result down = run_cairn({"cp", bucket + "/run/a.bin", "copy.bin"}, dir.path());
  BOOST_REQUIRE_MESSAGE(down.status == 0, describe(down));
  BOOST_TEST(read_file(dir.path() / "copy.bin") == std::string(3000, 'x'));
  // Store to store goes through a temporary file.
  BOOST_REQUIRE(run_cairn({"cp", bucket + "/run/b.bin", bucket + "/other/b.bin"}, dir.path()).status == 0);
  BOOST_TEST(read_file(dir.path() / "bucket/other/b.bin") == "bee");
}

BOOST_AUTO_TEST_CASE(cp_refuses_to_replace_without_overwrite_and_reports_bad_input) {
  TempDir dir;
  write_file(dir.path() / "a.bin", "new");
  fs::create_directories(dir.path() / "bucket");
  write_file(dir.path() / "bucket/a.bin", "old");
  const std::string bucket = "file://" + (dir.path() / "bucket").string();

  const Result exists = run_cairn({"cp", "a.bin", bucket + "/a.bin"}, dir.path());
  BOOST_TEST(exists.status == 1);
  BOOST_TEST(exists.err == "cairn: error: destination '" + bucket + "/a.bin' already exists; pass --overwrite to replace it\n");
  BOOST_TEST(read_file(dir.path() / "bucket/a.bin") == "old");
  BOOST_TEST(run_cairn({"cp", "a.bin", bucket + "/a.bin", "--overwrite"}, dir.path()).status == 0);
  BOOST_TEST(read_file(dir.path() / "bucket/a.bin") == "new");

  const Result local_exists = run_cairn({"cp", bucket + "/a.bin", "a.bin"}, dir.path());
  BOOST_TEST(local_exists.status == 1);
  BOOST_TEST(has(local_exists.err, "destination 'a.bin' already exists"), describe(local_exists));

  const Result missing = run_cairn({"cp", bucket + "/nope.bin", "x.bin"}, dir.path());
  BOOST_TEST(missing.status == 1);
  BOOST_TEST(missing.err == "cairn: error: source '" + bucket + "/nope.bin' does not exist\n");
  BOOST_TEST(!fs::exists(dir.path() / "x.bin"));
  const Result missing_local = run_cairn({"cp", "nope.bin", bucket + "/x.bin"}, dir.path());
  BOOST_TEST(has(missing_local.err, "source 'nope.bin' does not exist"), describe(missing_local));

  const Result scheme = run_cairn({"cp", "a.bin", "ftp://bucket/a.bin"}, dir.path());
  BOOST_TEST(scheme.status == 2);
  BOOST_TEST(has(scheme.err, "'ftp://bucket/a.bin': no loaded plugin handles 'ftp://' URIs (loaded schemes: "),
             describe(scheme));
  BOOST_TEST(has(scheme.err, "file"), describe(scheme));
  const Result bad_config = run_cairn({"ls", bucket, "--store-config", "{\"root\": 3}"}, dir.path());
  BOOST_TEST(bad_config.status == 2, describe(bad_config));
  const Result local_ls = run_cairn({"ls", "bucket"}, dir.path());
  BOOST_TEST(local_ls.status == 2);
  BOOST_TEST(has(local_ls.err, "is a local path"), describe(local_ls));

  const Result help = run_cairn({"--help"}, dir.path());
  BOOST_TEST(has(help.out, "  cp  "));
  BOOST_TEST(has(help.out, "  ls  "));
}

// Scenarios 7.22 and 7.23 through the command line: save to a URI, inspect
// the bucket, resume from the remote latest pointer.
BOOST_AUTO_TEST_CASE(fit_saves_to_a_uri_and_resumes_from_its_latest_pointer) {
  TempDir dir;
  const std::string run = "file://" + (dir.path() / "bucket/run").string();
  const std::vector<std::string> fit = {"fit", "--model", "mlp", "--data", "synthetic", "--seed", "42",
                                        "--run-name", "remote-e2e", "--save-interval", "1ep"};
  std::vector<std::string> first = fit;
  first.insert(first.end(), {"--max-duration", "1ep", "--save-folder", run});
  const Result trained = run_cairn(first, dir.path());
  BOOST_REQUIRE_MESSAGE(trained.status == 0, describe(trained));

  const Result listed = run_cairn({"ls", run + "/"}, dir.path());
  BOOST_TEST(has(listed.out, "/run/ep1-ba8-rank0.pt\n"), describe(listed));
  BOOST_TEST(has(listed.out, "/run/latest-rank0.pt.symlink\n"), describe(listed));
  const std::string prefix = (dir.path() / "bucket/run").string().substr(1);
  BOOST_TEST(read_file(dir.path() / "bucket/run/latest-rank0.pt.symlink") == prefix + "/ep1-ba8-rank0.pt");

  std::vector<std::string> resumed = fit;
  resumed.insert(resumed.end(), {"--max-duration", "2ep", "--load-path", run + "/latest-rank0.pt", "--save-folder",
                                 "local"});
  const Result second = run_cairn(resumed, dir.path());
  BOOST_REQUIRE_MESSAGE(second.status == 0, describe(second));
  BOOST_TEST(has(second.err, "resumed from " + run + "/latest-rank0.pt"), describe(second));
  BOOST_TEST(fs::exists(dir.path() / "local/ep2-ba16-rank0.pt"), describe(second));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
