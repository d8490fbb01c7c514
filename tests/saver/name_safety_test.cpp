// Issue 8, class 2: every formatted name stays inside its folder or prefix,
// run names are checked wherever they come from, templates use only the
// fields their formatter fills, and any number of fields works.
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "checkpoint/saver/conflict_check.h"
#include "core/safe_names.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;
namespace fs = std::filesystem;

namespace {

CheckpointSaverOptions in_folder(const TempDir& dir) {
  CheckpointSaverOptions o;
  o.folder = (dir / "ckpt");
  o.save_interval = Time::parse("1ep");
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(name_safety)

BOOST_AUTO_TEST_CASE(run_names_that_would_leave_a_folder_are_refused) {
  for (const std::string& bad : std::vector<std::string>{"/abs/x", "a/b", "..", ".", "", "two\nlines", "bell\a",
                                                         std::string("nul\0x", 5)}) {
    BOOST_CHECK_THROW(validate_run_name(bad, "--run-name"), ConfigError);
  }
  BOOST_CHECK_EXCEPTION(validate_run_name("x\ny", "RUN_NAME"), ConfigError,
                        [](const ConfigError& e) { return names(e, {"RUN_NAME", "\\n"}); });
  for (const std::string good : {"run-1", "my_run.v2", "a..b", "1701000000-cairn-run"}) {
    BOOST_CHECK_NO_THROW(validate_run_name(good, "--run-name"));
  }
}

BOOST_AUTO_TEST_CASE(the_saver_refuses_a_bad_run_name_before_making_any_folder) {
  TempDir dir;
  auto o = in_folder(dir);
  o.folder = (dir / "{run_name}");
  o.filename = "{run_name}-ep{epoch}.pt";
  CheckpointSaver saver(o);
  State state = make_state((dir / "outside"), "1ep", 2);  // an absolute path as run name
  BOOST_CHECK_EXCEPTION(saver.on_event(Event::INIT, state), ConfigError,
                        [](const ConfigError& e) { return names(e, {"run name", "'/'"}); });
  BOOST_TEST(list_folder(dir.path()).empty());
}

BOOST_AUTO_TEST_CASE(templates_with_parent_components_are_refused_when_built) {
  TempDir dir;
  auto o = in_folder(dir);
  o.filename = "../escaped-ep{epoch}.pt";
  BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError,
                        [](const ConfigError& e) { return names(e, {"CheckpointSaver filename", "'..'"}); });
  o = in_folder(dir);
  o.remote_file_name = "prefix/../../ep{epoch}.pt";
  BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError,
                        [](const ConfigError& e) { return names(e, {"remote_file_name", "'..'"}); });
  // A leading '/' is dropped, as Composer does: the name stays in the folder.
  o = in_folder(dir);
  o.filename = "/ep{epoch}.pt";
  BOOST_TEST(CheckpointSaver{o}.options().filename == "ep{epoch}.pt");
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_refused_as_composer_raises_key_error) {
  TempDir dir;
  for (const std::string bad : {"ep{epoch}-{foo}.pt", "ep{iteration}.pt", "ep{}.pt", "ep{epoch.real}.pt"}) {
    auto o = in_folder(dir);
    o.filename = bad;
    BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError,
                          [](const ConfigError& e) { return names(e, {"unknown field", "{epoch}"}); });
  }
  auto o = in_folder(dir);
  o.folder = (dir / "{epoch}");  // the folder has dist fields only
  BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError,
                        [](const ConfigError& e) { return names(e, {"CheckpointSaver folder", "{epoch}"}); });
  o = in_folder(dir);
  o.filename = "ep{epoch}-{{literal}}.pt";  // escaped braces are text
  BOOST_CHECK_NO_THROW(CheckpointSaver{o});
}

// The conflict check once used textual back-references: a repeated counter
// followed by a digit, or many fields, made std::regex throw.
BOOST_AUTO_TEST_CASE(any_number_of_fields_works) {
  const std::string many =
      "e{epoch}-b{batch}-s{sample}-t{token}-be{batch_in_epoch}-se{sample_in_epoch}-te{token_in_epoch}-"
      "{epoch}-{batch}-{sample}-{token}1-{epoch}{batch}0-r{rank}.pt";
  Timestamp now;
  now.epoch = 2;
  now.batch = 7;
  TempDir dir;
  BOOST_CHECK_NO_THROW(ensure_folder_has_no_conflicting_files(dir.path().string(), many, "r", DistInfo::single_process(), now));
  std::ofstream(dir.path() / "e3-b9-s1-t1-be1-se1-te1-3-9-1-11-390-r0.pt") << "x";  // ep 3: in the future
  BOOST_CHECK_EXCEPTION(ensure_folder_has_no_conflicting_files(dir.path().string(), many, "r", DistInfo::single_process(), now),
                        ConfigError, [](const ConfigError& e) { return names(e, {"may conflict"}); });
  // A repeated counter must read the same everywhere: this is not a name of the template.
  TempDir other;
  std::ofstream(other.path() / "e3-b9-s1-t1-be1-se1-te1-4-9-1-11-490-r0.pt") << "x";
  BOOST_CHECK_NO_THROW(ensure_folder_has_no_conflicting_files(other.path().string(), many, "r", DistInfo::single_process(), now));

  // And the saver writes such names.
  TempDir out;
  CheckpointSaverOptions o;
  o.folder = out.path().string();
  o.filename = many;
  o.save_interval = Time::parse("1ep");
  CheckpointSaver saver(o);
  CountingAssembler assembler(&saver);
  assembler.attach_to(saver);
  State state = make_state("r", "1ep", 2);
  saver.on_event(Event::INIT, state);
  run_fit(state, saver, LoopShape{2, 2, 0});
  BOOST_TEST(fs::exists(out.path() / "e1-b2-s4-t0-be0-se0-te0-1-2-4-01-120-r0.pt"));
}

BOOST_AUTO_TEST_SUITE_END()
