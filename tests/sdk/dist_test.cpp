// Rank information from the environment (torchrun's variables).
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "cairn/dist.h"
#include "cairn/errors.h"

namespace {
struct EnvGuard {
  ~EnvGuard() {
    for (const char* v : {"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "NODE_RANK"}) unsetenv(v);
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(reads_torchrun_variables) {
  EnvGuard guard;
  setenv("RANK", "3", 1);
  setenv("LOCAL_RANK", "1", 1);
  setenv("WORLD_SIZE", "4", 1);
  setenv("LOCAL_WORLD_SIZE", "2", 1);
  setenv("NODE_RANK", "1", 1);
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
  setenv("RANK", "one", 1);
  BOOST_CHECK_THROW(cairn::DistInfo::from_environment(), cairn::ConfigError);
}
