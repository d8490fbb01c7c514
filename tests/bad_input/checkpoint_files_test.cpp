// Files given where a checkpoint belongs (cairn inspect PATH, cairn fit
// --load-path) that are not Cairn checkpoints: each is named for what it is, in
// one line, without the zip or pickle library's own text.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bad_input.h"

namespace fs = std::filesystem;

namespace cairn::test {
namespace {

// Runs a Python script (with torch) in `dir`; the files it writes are the inputs.
void python(const fs::path& dir, const std::string& script) {
  const fs::path file = dir / "make_input.py";
  std::ofstream(file) << "import os, sys\nos.chdir(sys.argv[1])\n" << script;
  const std::string command =
      std::string(CAIRN_TEST_PYTHON) + " " + file.string() + " " + dir.string() + " >/dev/null 2>&1";
  BOOST_REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "python failed: " << script);
}

// The same file refused the same way by both commands that read checkpoints.
void expect_refused(const fs::path& dir, const std::string& file, const std::vector<std::string>& must_name) {
  std::vector<std::string> names = must_name;
  names.push_back(file);
  const Result inspect = run_cairn({"inspect", file}, dir);
  expect_one_line_error(inspect, 1, names);
  const Result fit = run_cairn(with(kSample, {"--max-duration", "1ba", "--load-path", file}), dir);
  expect_one_line_error(fit, 1, names);
  for (const Result* r : {&inspect, &fit}) {
    BOOST_TEST(r->err.find("enforce fail") == std::string::npos, r->err);
    BOOST_TEST(r->err.find("truncated") == std::string::npos, r->err);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint_files)

BOOST_AUTO_TEST_CASE(a_torch_save_state_dict_is_inspected_but_not_resumed_from) {
  TempDir dir;
  // torch.save files are read (the restricted unpickler), but a bare
  // state_dict has no 'state' entry: `inspect` shows its tensors, and a
  // training run refuses to resume from it, naming what it lacks.
  python(dir.path(), "import torch\ntorch.save(torch.nn.Linear(3, 2).state_dict(), 'weights.pt')\n");
  const Result inspect = run_cairn({"inspect", "weights.pt"}, dir.path());
  BOOST_TEST(inspect.status == 0, describe(inspect));
  for (const char* needle : {"not a Composer checkpoint", "weight  float32   [2, 3]", "bias    float32   [2]"}) {
    BOOST_TEST(inspect.out.find(needle) != std::string::npos, needle << " in " << describe(inspect));
  }
  const Result fit = run_cairn(with(kSample, {"--max-duration", "1ba", "--load-path", "weights.pt"}), dir.path());
  expect_one_line_error(fit, 1, {"'state'", "weights.pt"});
}

BOOST_AUTO_TEST_CASE(a_torch_save_file_with_a_cut_storage_names_the_storage_and_the_offset) {
  TempDir dir;
  // What Composer's Trainer writes (OrderedDict model, timedelta wall clocks,
  // composer_env_info), with one tensor's record cut to half its bytes.
  python(dir.path(),
         "import datetime, torch, zipfile\n"
         "model = torch.nn.Linear(3, 2).state_dict()\n"
         "ts = {'Timestamp': {'epoch': 1, 'total_wct': datetime.timedelta(seconds=3)}}\n"
         "meta = {'composer_env_info': {'composer_version': '0.13.5'}, 'device': 'cpu'}\n"
         "torch.save({'state': {'model': model, 'timestamp': ts, 'metadata': meta}, 'rng': []}, 'whole.pt')\n"
         "with zipfile.ZipFile('whole.pt') as src, zipfile.ZipFile('ep1.pt', 'w') as dst:\n"
         "    for info in src.infolist():\n"
         "        data = src.read(info.filename)\n"
         "        dst.writestr(info.filename, data[:len(data) // 2] if info.filename.endswith('/data/0') else data)\n");
  expect_refused(dir.path(), "ep1.pt", {"storage '0'", "at byte"});
}

BOOST_AUTO_TEST_CASE(a_bare_python_pickle_is_named_as_one) {
  TempDir dir;
  python(dir.path(), "import pickle\nwith open('old.pt', 'wb') as f:\n    pickle.dump({'w': [1.0, 2.0]}, f, protocol=2)\n");
  expect_refused(dir.path(), "old.pt", {"bare Python pickle", "torch.save"});
}

BOOST_AUTO_TEST_CASE(a_legacy_torch_save_checkpoint_is_read_and_cannot_be_verified) {
  TempDir dir;
  python(dir.path(), "import torch\ntorch.save({'w': torch.ones(2, 3)}, 'old.pt', _use_new_zipfile_serialization=False)\n");
  const Result inspect = run_cairn({"inspect", "old.pt"}, dir.path());
  BOOST_TEST(inspect.status == 0, describe(inspect));
  BOOST_TEST(inspect.out.find("float32") != std::string::npos, describe(inspect));
  expect_one_line_error(run_cairn({"verify", "old.pt"}, dir.path()), 1, {"'old.pt'", "legacy format", "no checksums"});
}

BOOST_AUTO_TEST_CASE(a_zip_that_is_not_a_checkpoint_names_what_it_holds) {
  TempDir dir;
  python(dir.path(),
         "import zipfile\n"
         "with zipfile.ZipFile('notes.zip', 'w') as z:\n"
         "    z.writestr('notes.txt', 'hello')\n");
  expect_refused(dir.path(), "notes.zip", {"zip archive but not a checkpoint", "data.pkl", "notes.txt"});
}

BOOST_AUTO_TEST_CASE(a_symlink_loop_is_called_a_loop) {
  TempDir dir;
  fs::create_symlink("b.pt", dir.path() / "a.pt");
  fs::create_symlink("a.pt", dir.path() / "b.pt");
  expect_refused(dir.path(), "a.pt", {"symlink loop"});
  const Result r = run_cairn({"inspect", "a.pt"}, dir.path());
  BOOST_TEST(r.err.find("dangling") == std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(a_dangling_symlink_names_its_target) {
  TempDir dir;
  fs::create_symlink("gone/ep3.pt", dir.path() / "latest-rank0.pt");
  expect_refused(dir.path(), "latest-rank0.pt", {"dangling symlink", "gone/ep3.pt"});
}

BOOST_AUTO_TEST_CASE(a_folder_is_not_a_checkpoint) {
  TempDir dir;
  fs::create_directory(dir.path() / "ck");
  expect_one_line_error(run_cairn({"inspect", "ck"}, dir.path()), 1, {"'ck'", "folder"});
}

BOOST_AUTO_TEST_CASE(cp_calls_a_symlink_loop_a_loop) {
  TempDir dir;
  fs::create_symlink("b.pt", dir.path() / "a.pt");
  fs::create_symlink("a.pt", dir.path() / "b.pt");
  const Result r = run_cairn({"cp", "a.pt", "copy.pt"}, dir.path());
  expect_one_line_error(r, 1, {"a.pt", "symlink loop"});
  BOOST_TEST(!fs::exists(dir.path() / "copy.pt"));
}

BOOST_AUTO_TEST_CASE(inspect_reads_store_uris_and_names_a_missing_object_by_its_uri) {
  TempDir dir;
  const Result made = run_cairn(with(kSample, {"--max-duration", "1ep", "--save-folder", "ck"}), dir.path());
  BOOST_REQUIRE_MESSAGE(made.status == 0, describe(made));
  const std::string uri = "file://" + (dir.path() / "ck").string();
  const Result found = run_cairn({"inspect", uri + "/ep1-ba8-rank0.pt"}, dir.path());
  BOOST_TEST(found.status == 0, describe(found));
  BOOST_TEST(found.out.find("checkpoint:      file://") == 0u, found.out);
  BOOST_TEST(found.out.find("ck/ep1-ba8-rank0.pt") != std::string::npos, found.out);

  const Result missing = run_cairn({"inspect", uri + "/ep9.pt"}, dir.path());
  expect_one_line_error(missing, 1, {"file://", "ck/ep9.pt", "does not exist"});
  BOOST_TEST(missing.err.find("load_path") == std::string::npos, missing.err);
  BOOST_TEST(missing.err.find("cairn-load-") == std::string::npos, missing.err);
}

BOOST_AUTO_TEST_CASE(inspect_of_a_uri_without_a_store_plugin_says_which_scheme) {
  TempDir dir;
  const Result r = run_cairn({"inspect", "nosuch://bucket/ep1.pt"}, dir.path());
  expect_one_line_error(r, 2, {"nosuch://bucket/ep1.pt", "nosuch://"});
  BOOST_TEST(r.err.find("does not exist") == std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(a_config_file_that_is_a_loop_or_a_folder_says_so) {
  TempDir dir;
  fs::create_symlink("b.json", dir.path() / "a.json");
  fs::create_symlink("a.json", dir.path() / "b.json");
  expect_one_line_error(run_cairn({"fit", "--config", "a.json"}, dir.path()), 2, {"a.json", "symlink loop", "--config"});
  fs::create_directory(dir.path() / "run.json");
  expect_one_line_error(run_cairn({"fit", "--config", "run.json"}, dir.path()), 2, {"run.json", "folder", "--config"});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
