// Issue 8, class 1: the latest pointer never names a checkpoint, never leaves
// the folder, and never replaces anything but its own symlink unless
// overwrite is on; locally and for the remote pointer.
#include <fstream>
#include <sstream>

#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;
namespace fs = std::filesystem;

namespace {

CheckpointSaverOptions in_folder(const TempDir& dir) {
  CheckpointSaverOptions o;
  o.folder = (dir / "ckpt");
  o.save_interval = Time::parse("1ep");
  o.remote_file_name.reset();
  o.latest_remote_file_name.reset();
  return o;
}

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(latest_pointer)

BOOST_AUTO_TEST_CASE(the_checkpoint_template_itself_is_refused_when_the_saver_is_built) {
  TempDir dir;
  auto o = in_folder(dir);
  o.latest_filename = o.filename;
  BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError, [](const ConfigError& e) {
    return names(e, {"latest_filename", "can name a checkpoint"});
  });
  // A different template that can still format to a checkpoint name.
  o.filename = "ckpt-{epoch}.pt";
  o.latest_filename = "ckpt-7.pt";
  BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError, [](const ConfigError& e) {
    return names(e, {"'ckpt-7.pt'", "can name a checkpoint"});
  });
}

BOOST_AUTO_TEST_CASE(a_run_name_that_makes_the_pointer_a_checkpoint_name_is_refused_at_init) {
  TempDir dir;
  auto o = in_folder(dir);
  o.filename = "{run_name}.pt";
  o.latest_filename = "latest.pt";
  CheckpointSaver saver(o);  // fine for most run names...
  State state = make_state("latest", "1ep", 2);  // ...but not this one
  BOOST_CHECK_EXCEPTION(saver.on_event(Event::INIT, state), ConfigError,
                        [](const ConfigError& e) { return names(e, {"latest.pt", "can name a checkpoint"}); });
}

BOOST_AUTO_TEST_CASE(a_pointer_outside_the_folder_is_refused) {
  TempDir dir;
  std::ofstream(dir.path() / "victim.txt") << "precious";
  auto o = in_folder(dir);
  for (const std::string name : {"../victim.txt", "sub/../../victim.txt", "/../victim.txt"}) {
    o.latest_filename = name;
    BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError,
                          [](const ConfigError& e) { return names(e, {"latest_filename", "'..'"}); });
  }
  BOOST_TEST(fs::is_regular_file(fs::symlink_status(dir.path() / "victim.txt")));
  BOOST_TEST(contents(dir.path() / "victim.txt") == "precious");
}

BOOST_AUTO_TEST_CASE(a_regular_file_at_the_pointer_name_is_kept_unless_overwrite) {
  TempDir dir;
  fs::create_directories(dir.path() / "ckpt");
  const fs::path latest = dir.path() / "ckpt" / "latest-rank0.pt";
  std::ofstream(latest) << "fetched with aws s3 cp";
  {
    CheckpointSaver saver(in_folder(dir));
    CountingAssembler assembler(&saver);
    assembler.attach_to(saver);
    State state = make_state("run", "1ep", 2);
    BOOST_CHECK_EXCEPTION(saver.on_event(Event::INIT, state), ConfigError, [](const ConfigError& e) {
      return names(e, {"latest-rank0.pt", "regular file", "overwrite"});
    });
  }
  BOOST_TEST(contents(latest) == "fetched with aws s3 cp");

  auto o = in_folder(dir);
  o.overwrite = true;
  CheckpointSaver saver(o);
  CountingAssembler assembler(&saver);
  assembler.attach_to(saver);
  State state = make_state("run", "1ep", 2);
  saver.on_event(Event::INIT, state);
  run_fit(state, saver, LoopShape{2, 2, 0});
  BOOST_TEST(fs::is_symlink(latest));
}

BOOST_AUTO_TEST_CASE(a_pointer_with_time_fields_is_checked_at_every_save) {
  TempDir dir;
  auto o = in_folder(dir);
  o.latest_filename = "latest-ep{epoch}.pt";
  fs::create_directories(dir.path() / "ckpt");
  std::ofstream(dir.path() / "ckpt" / "latest-ep1.pt") << "not a pointer";
  CheckpointSaver saver(o);
  CountingAssembler assembler(&saver);
  assembler.attach_to(saver);
  State state = make_state("run", "1ep", 2);
  saver.on_event(Event::INIT, state);  // latest-ep0.pt: nothing there
  BOOST_CHECK_THROW(run_fit(state, saver, LoopShape{2, 2, 0}), ConfigError);
  BOOST_TEST(contents(dir.path() / "ckpt" / "latest-ep1.pt") == "not a pointer");
  BOOST_TEST(assembler.calls == 0);  // refused before anything was written
}

BOOST_AUTO_TEST_CASE(the_remote_pointer_follows_the_same_rule) {
  TempDir dir;
  auto o = in_folder(dir);
  o.remote_file_name = "{run_name}/ep{epoch}.pt";
  o.latest_remote_file_name = "{run_name}/ep{epoch}.pt";
  BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError, [](const ConfigError& e) {
    return names(e, {"latest_remote_file_name", "can name a checkpoint"});
  });
  o.latest_remote_file_name = "../{run_name}/latest.pt";
  BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError,
                        [](const ConfigError& e) { return names(e, {"latest_remote_file_name", "'..'"}); });
  o.latest_remote_file_name = "{run_name}/latest.pt";
  BOOST_CHECK_NO_THROW(CheckpointSaver{o});
}

BOOST_AUTO_TEST_SUITE_END()
