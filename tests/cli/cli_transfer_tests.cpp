// `cairn cp`, `cairn ls` and remote checkpointing through `cairn fit`, with
// file:// URIs (the built-in local store): the same code paths every store
// plugin goes through.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <fstream>

#include "cli_runner.h"

namespace fs = std::filesystem;
using namespace std::string_literals;

namespace cairn::test {
namespace {

void write_file(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

uint16_t le16(const std::string& bytes, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(bytes[at]) | static_cast<unsigned char>(bytes[at + 1]) << 8);
}

// Flips a byte in the middle of the data of the zip record whose name ends
// with `suffix`, found through the records' local headers.
void damage_record(const fs::path& zip, const std::string& suffix) {
  std::string bytes = read_file(zip);
  for (size_t at = bytes.find("PK\x03\x04"); at != std::string::npos; at = bytes.find("PK\x03\x04", at + 4)) {
    const size_t name_length = le16(bytes, at + 26);
    const std::string name = bytes.substr(at + 30, name_length);
    if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const uint32_t size = le16(bytes, at + 22) | uint32_t(le16(bytes, at + 24)) << 16;
    bytes[at + 30 + name_length + le16(bytes, at + 28) + size / 2] ^= 0x10;
    write_file(zip, bytes);
    return;
  }
  BOOST_FAIL("no record ending with " + suffix + " in " + zip.string());
}

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

  // A downloaded checkpoint is verified before it is placed.
  const std::string stored = run + "/ep1-ba8-rank0.pt";
  const Result good = run_cairn({"cp", stored, "good.pt"}, dir.path());
  BOOST_REQUIRE_MESSAGE(good.status == 0, describe(good));
  BOOST_TEST(has(good.out, "bytes, checkpoint verified)"), describe(good));
  const std::string good_bytes = read_file(dir.path() / "good.pt");

  damage_record(dir.path() / "bucket/run/ep1-ba8-rank0.pt", "/data/0");
  for (const std::string& target : {"good.pt"s, "fresh.pt"s, run + "/copy.pt"}) {
    const Result refused = run_cairn({"cp", stored, target, "--overwrite"}, dir.path());
    BOOST_TEST(refused.status == 1, describe(refused));
    BOOST_TEST(has(refused.err, stored), describe(refused));
    BOOST_TEST(has(refused.err, "data/0"), describe(refused));
    BOOST_TEST(std::count(refused.err.begin(), refused.err.end(), '\n') == 1, describe(refused));
  }
  // Nothing replaced, nothing placed, nothing left behind.
  BOOST_TEST(read_file(dir.path() / "good.pt") == good_bytes);
  BOOST_TEST(!fs::exists(dir.path() / "fresh.pt"));
  BOOST_TEST(!fs::exists(dir.path() / "bucket/run/copy.pt"));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    BOOST_TEST(entry.path().filename().string().rfind(".cairn-cp-", 0) != 0, entry.path());
  }
  // --no-verify places it as it is.
  const Result unchecked = run_cairn({"cp", stored, "unchecked.pt", "--no-verify"}, dir.path());
  BOOST_TEST(unchecked.status == 0, describe(unchecked));
  BOOST_TEST(read_file(dir.path() / "unchecked.pt") == read_file(dir.path() / "bucket/run/ep1-ba8-rank0.pt"));
}

// Only a PyTorch zip (a <folder>/data.pkl record) is verified; any other file,
// a zip of something else included, is copied as it is. A zip whose directory
// cannot be read is refused. A destination folder that is missing is named.
BOOST_AUTO_TEST_CASE(cp_verifies_pytorch_zips_only_and_names_a_missing_destination_folder) {
  TempDir dir;
  fs::create_directories(dir.path() / "bucket");
  const Result zipped = run_program(
      {CAIRN_TEST_PYTHON, "-c",
       "import zipfile\n"
       "with zipfile.ZipFile('bucket/notes.zip', 'w') as z: z.writestr('notes/readme.txt', 'not a checkpoint ' * 40)\n"
       "with zipfile.ZipFile('bucket/ck.zip', 'w') as z: z.writestr('archive/data.pkl', 'x' * 700)\n"},
      dir.path());
  BOOST_REQUIRE_MESSAGE(zipped.status == 0, describe(zipped));
  const std::string bucket = "file://" + (dir.path() / "bucket").string();

  const Result notes = run_cairn({"cp", bucket + "/notes.zip", "notes.zip"}, dir.path());
  BOOST_TEST(notes.status == 0, describe(notes));
  BOOST_TEST(!has(notes.out, "verified"), describe(notes));
  BOOST_TEST(read_file(dir.path() / "notes.zip") == read_file(dir.path() / "bucket/notes.zip"));

  // Cut short: the zip directory is gone.
  const std::string whole = read_file(dir.path() / "bucket/ck.zip");
  write_file(dir.path() / "bucket/cut.zip", whole.substr(0, whole.size() / 2));
  for (const std::string& target : {"cut.zip"s, bucket + "/copy.zip"}) {
    const Result cut = run_cairn({"cp", bucket + "/cut.zip", target}, dir.path());
    BOOST_TEST(cut.status == 1, describe(cut));
    BOOST_TEST(has(cut.err, bucket + "/cut.zip"), describe(cut));
    BOOST_TEST(std::count(cut.err.begin(), cut.err.end(), '\n') == 1, describe(cut));
  }
  BOOST_TEST(!fs::exists(dir.path() / "cut.zip"));
  BOOST_TEST(!fs::exists(dir.path() / "bucket/copy.zip"));

  const Result missing = run_cairn({"cp", bucket + "/notes.zip", "gone/notes.zip"}, dir.path());
  BOOST_TEST(missing.status == 1, describe(missing));
  BOOST_TEST(has(missing.err, "'gone/notes.zip'"), describe(missing));
  BOOST_TEST(has(missing.err, "/gone' ("), describe(missing));
  BOOST_TEST(has(missing.err, "check that the folder exists and is writable"), describe(missing));
  BOOST_TEST(std::count(missing.err.begin(), missing.err.end(), '\n') == 1, describe(missing));
  BOOST_TEST(!fs::exists(dir.path() / "gone"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
