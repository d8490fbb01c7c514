// The CheckpointSaver and its policies: name templates, intervals, conflict
// check, ignore globs, rotation, the latest symlink and the saver's own state.
#define BOOST_TEST_MODULE cairn_saver
#include <boost/test/unit_test.hpp>
