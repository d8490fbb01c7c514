// Loading from stores (scenarios 7.24 and 7.26; 7.38's store conformance for
// the local store is in tests/plugins/test_local_store.cpp, 7.25's copy
// semantics in tests/cli/cli_transfer_tests.cpp).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cairn/errors.h"
#include "cairn/state.h"
#include "checkpoint/fetch/checkpoint_source.h"
#include "checkpoint/model_state.h"
#include "ivalue_compare.h"
#include "remote_fixtures.h"
#include "store/local_store.h"
#include "../trainer/fixtures.h"

namespace cairn::test {

namespace {

// A run saved every batch for two batches to file://<dir>/bucket/run; returns that URI.
std::string save_two_batches(const TempDir& dir) {
  const std::string folder = "file://" + dir.path().string() + "/bucket/run";
  auto save = make_options("2ba");
  save.save_folder = folder;
  save.save_interval = Time::parse("1ba");
  Trainer(std::move(save)).fit();
  return folder;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(remote_load)

// 7.24: "latest.symlink" and "latest" both give the checkpoint's bytes; a
// missing name is not found.
BOOST_AUTO_TEST_CASE(pointer_objects_are_followed) {
  TempDir dir;
  write_bytes(dir / "checkpoint.txt", "the bytes");
  write_bytes(dir / "latest.symlink", "checkpoint.txt");
  LocalStore store(dir.path());
  download_following_symlinks(store, "latest.symlink", dir / "a");
  download_following_symlinks(store, "latest", dir / "b");
  BOOST_TEST(read_bytes(dir / "a") == "the bytes");
  BOOST_TEST(read_bytes(dir / "b") == "the bytes");
  BOOST_CHECK_THROW(download_following_symlinks(store, "missing", dir / "c"), NotFoundError);
  BOOST_TEST(!std::filesystem::exists(dir / "c"));
}

// 7.26: a URI, or an object name with load_object_store, load the same checkpoint.
BOOST_AUTO_TEST_CASE(uri_and_object_store_forms_load_the_same_checkpoint) {
  TempDir dir;
  save_two_batches(dir);

  auto by_uri = make_options("2ba", 5);
  by_uri.load_path = "file://" + dir.path().string() + "/bucket/run/latest-rank0.pt";
  Trainer a(std::move(by_uri));

  auto by_store = make_options("2ba", 6);
  by_store.load_object_store = "local";
  // Pointers hold bucket-relative names, so the store is rooted where the
  // saving store was: file:// URIs root the local store at "/".
  by_store.load_object_store_config = "{\"root\": \"/\"}";
  by_store.load_path = dir.path().string().substr(1) + "/bucket/run/latest-rank0.pt";
  Trainer b(std::move(by_store));

  BOOST_TEST(a.state().timestamp.batch == 2);
  BOOST_TEST(b.state().timestamp.batch == 2);
  BOOST_TEST(first_difference(model_state_dict(*a.state().model->module()),
                              model_state_dict(*b.state().model->module())).empty());

  auto missing = make_options("2ba");
  missing.load_path = "file://" + dir.path().string() + "/bucket/run/nope.pt";
  BOOST_CHECK_THROW(Trainer trainer(std::move(missing)), NotFoundError);
}

// The trainer draws no bar itself (cairn fit's terminal bar is the CLI's): it
// asks download_progress for each download, only while load_progress_bar is on.
BOOST_AUTO_TEST_CASE(downloads_report_to_download_progress_while_load_progress_bar_is_on) {
  TempDir dir;
  const std::string uri = save_two_batches(dir) + "/latest-rank0.pt";

  std::vector<std::string> asked;
  uint64_t done = 0;
  uint64_t total = 0;
  auto record = [&](const std::string& what) -> ProgressFn {
    asked.push_back(what);
    return [&](uint64_t d, uint64_t t) {
      done = d;
      total = t;
    };
  };
  auto with_bar = make_options("2ba", 5);
  with_bar.load_path = uri;
  with_bar.download_progress = record;
  Trainer a(std::move(with_bar));
  BOOST_TEST(asked == std::vector<std::string>{uri}, boost::test_tools::per_element());
  BOOST_TEST(total > 0u);
  BOOST_TEST(done == total);

  asked.clear();
  auto without_bar = make_options("2ba", 6);
  without_bar.load_path = uri;
  without_bar.load_progress_bar = false;
  without_bar.download_progress = record;
  Trainer b(std::move(without_bar));
  BOOST_TEST(asked.empty());
  BOOST_TEST(b.state().timestamp.batch == 2);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
