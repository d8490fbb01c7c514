// Rank information from the environment (torchrun's variables).
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "cairn/dist.h"
#include "cairn/errors.h"
#include "scoped_env.h"

namespace {
// Starts without torchrun's variables; puts back whatever the process had.
struct EnvGuard {
  EnvGuard() {
    for (const char* v : {"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "NODE_RANK"}) env.unset(v);
  }
  cairn::test::ScopedEnv env;
};
}  // namespace

BOOST_AUTO_TEST_CASE(reads_torchrun_variables) {
  EnvGuard guard;
  guard.env.set("RANK", "3").set("LOCAL_RANK", "1").set("WORLD_SIZE", "4").set("LOCAL_WORLD_SIZE", "2").set("NODE_RANK", "1");
  const auto d = cairn::DistInfo::from_environment();
  BOOST_TEST(d.global_rank() == 3);
  BOOST_TEST(*d.local_rank == 1);
  BOOST_TEST(d.size() == 4);
  BOOST_TEST(*d.node_rank == 1);
  BOOST_TEST(!d.is_rank_zero());
}

BOOST_AUTO_TEST_CASE(single_process_without_variables) {
  EnvGuard guard;
  const auto d = cairn::DistInfo::from_environment();
  BOOST_TEST(d.global_rank() == 0);
  BOOST_TEST(d.size() == 1);
  BOOST_TEST(*d.local_world_size == 1);
}

BOOST_AUTO_TEST_CASE(bad_values_are_errors) {
  EnvGuard guard;
  guard.env.set("RANK", "one");
  BOOST_CHECK_THROW(cairn::DistInfo::from_environment(), cairn::ConfigError);
}
