// Issue 8, class 3, within one process: the saver holds its folder with a
// lock file naming this process, shares it with the other savers of the same
// program, and leaves nothing behind once closed. (Two processes: the CLI
// suite, tests/bad_input/two_runs_one_folder_test.cpp.)
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <boost/test/unit_test.hpp>

#include "checkpoint/saver/checkpoint_saver.h"
#include "checkpoint/saver/folder_lock.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(folder_lock)

BOOST_AUTO_TEST_CASE(the_lock_file_names_this_process_while_the_saver_runs) {
  TempDir dir;
  CheckpointSaverOptions o;
  o.folder = dir.path().string();
  CheckpointSaver first(o), second(o);
  State state = make_state("lock", "1ep", 2);
  first.on_event(Event::INIT, state);
  BOOST_CHECK_NO_THROW(second.on_event(Event::INIT, state));  // same process: shared

  std::ifstream in(dir.path() / kFolderLockName);
  std::string pid, host;
  in >> pid >> host;
  BOOST_TEST(pid == std::to_string(::getpid()));
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  BOOST_TEST(host == name);

  first.close(state);
  BOOST_TEST(fs::exists(dir.path() / kFolderLockName));  // the second still holds it
  second.close(state);
  BOOST_TEST(!fs::exists(dir.path() / kFolderLockName));
}

BOOST_AUTO_TEST_SUITE_END()
