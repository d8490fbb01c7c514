// Issue 8, class 5 (the saver's settings): save_interval and
// save_num_checkpoints_to_keep values that used to train and exit 0 with no
// checkpoint, or keep everything without a word. Negative values are refused;
// an interval of 0 disables saving as in Composer, and says so.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bad_input.h"

namespace fs = std::filesystem;

namespace cairn::test {

namespace {

size_t checkpoints_in(const fs::path& folder) {
  size_t n = 0;
  if (!fs::exists(folder)) return 0;
  for (const auto& e : fs::directory_iterator(folder)) n += e.path().extension() == ".pt" && !fs::is_symlink(e.path());
  return n;
}

fs::path write_config(const fs::path& dir, const std::string& extra) {
  const fs::path config = dir / "config.json";
  std::ofstream(config) << R"({"model": "mlp", "data": "synthetic", "seed": 42, "save_folder": "ckpt", )" << extra
                        << "}";
  return config;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(saving_settings)

BOOST_AUTO_TEST_CASE(a_negative_interval_is_refused) {
  TempDir dir;
  const Result config = run_cairn({"fit", "--config", write_config(dir.path(), R"("save_interval": -1)").string()},
                                  dir.path());
  expect_one_line_error(config, 2, {"save_interval", "negative"});
  const Result flag = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-interval=-2ba"}), dir.path());
  expect_one_line_error(flag, 2, {"--save-interval", "non-negative"});
  BOOST_TEST(checkpoints_in(dir.path() / "ckpt") == 0u);
}

BOOST_AUTO_TEST_CASE(an_interval_of_zero_disables_saving_and_says_so) {
  for (const std::string zero : {"0", "0ep", "0ba"}) {
    TempDir dir;
    const Result r = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-interval", zero}), dir.path());
    BOOST_TEST_CONTEXT(zero << ": " << describe(r)) {
      BOOST_TEST(r.status == 0);
      BOOST_TEST(r.err.find("save_interval") != std::string::npos);
      BOOST_TEST(r.err.find("no checkpoint will be written") != std::string::npos);
      BOOST_TEST(r.out.find("saved 0 checkpoints, kept 0") != std::string::npos);
      BOOST_TEST(checkpoints_in(dir.path() / "ckpt") == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_huge_interval_still_saves_at_the_end) {
  TempDir dir;
  const Result r = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-interval", "1000000000ep"}), dir.path());
  BOOST_TEST_REQUIRE(r.status == 0, describe(r));
  BOOST_TEST(checkpoints_in(dir.path() / "ckpt") == 1u);
}

BOOST_AUTO_TEST_CASE(keep_below_minus_one_is_refused) {
  TempDir dir;
  const Result config = run_cairn(
      {"fit", "--config", write_config(dir.path(), R"("save_num_checkpoints_to_keep": -5)").string()}, dir.path());
  expect_one_line_error(config, 2, {"save_num_checkpoints_to_keep", "-5", "-1"});
  const Result flag = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-num-checkpoints-to-keep", "-2"}), dir.path());
  expect_one_line_error(flag, 2, {"save_num_checkpoints_to_keep", "-2"});
  BOOST_TEST(checkpoints_in(dir.path() / "ckpt") == 0u);
}

BOOST_AUTO_TEST_CASE(signing_and_trusted_keys_are_checked_end_to_end) {
  TempDir dir;
  // Key pairs made by OpenSSL's own tool.
  for (const std::string name : {"a", "b"}) {
    const std::string pem = (dir.path() / (name + ".pem")).string();
    BOOST_REQUIRE(std::system(("openssl genpkey -algorithm ed25519 -out '" + pem + "' && openssl pkey -in '" + pem +
                               "' -pubout -out '" + (dir.path() / (name + ".pub.pem")).string() + "'")
                                  .c_str()) == 0);
  }
  // A public key where a private one is needed: refused before training.
  const Result public_key = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-signing-key", "a.pub.pem"}),
                                      dir.path());
  expect_one_line_error(public_key, 2, {"signing key file 'a.pub.pem'", "holds no PEM private key"});
  BOOST_TEST(checkpoints_in(dir.path() / "ckpt") == 0u);

  const Result saved = run_cairn(with(kSample, {"--save-folder", "ckpt", "--save-signing-key", "a.pem"}), dir.path());
  BOOST_TEST_REQUIRE(saved.status == 0, describe(saved));
  const Result verified = run_cairn({"verify", "ckpt/latest-rank0.pt", "--trusted-key", "a.pub.pem"}, dir.path());
  BOOST_TEST(verified.status == 0, describe(verified));
  BOOST_TEST(verified.out.find("valid, by the trusted Ed25519 key") != std::string::npos, describe(verified));
  const Result other = run_cairn(
      with(kSample, {"--load-path", "ckpt/latest-rank0.pt", "--load-trusted-key", "b.pub.pem"}), dir.path());
  expect_one_line_error(other, 1, {"ckpt/latest-rank0.pt", "is signed by another key"});
  const Result trusted = run_cairn(
      with(kSample, {"--load-path", "ckpt/latest-rank0.pt", "--load-trusted-key", "a.pub.pem", "--max-duration", "2ep"}),
      dir.path());
  BOOST_TEST(trusted.status == 0, describe(trusted));
  // No line of the private key shows anywhere.
  std::istringstream key(read_file(dir.path() / "a.pem"));
  std::string line;
  while (std::getline(key, line)) {
    if (line.empty() || line.rfind("-----", 0) == 0) continue;
    for (const Result* r : {&public_key, &saved, &verified, &other, &trusted}) {
      BOOST_TEST(r->out.find(line) == std::string::npos);
      BOOST_TEST(r->err.find(line) == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
