// Scenario 1: format variables (Composer's test_format_name_with_dist_and_time,
// test_format_name_with_dist, test_safe_format_name_with_dist).
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "checkpoint/saver/name_format.h"

using namespace cairn;

namespace {

// ep0/ba1/bie1/sp2/sie2/tok3/tie3, wct 10 h / 50 min / 5 s.
Timestamp scenario_timestamp() {
  Timestamp ts;
  ts.epoch = 0;
  ts.batch = 1;
  ts.batch_in_epoch = 1;
  ts.sample = 2;
  ts.sample_in_epoch = 2;
  ts.token = 3;
  ts.token_in_epoch = 3;
  ts.total_wct = 10 * 3600;
  ts.epoch_wct = 50 * 60;
  ts.batch_wct = 5;
  return ts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(name_format)

BOOST_AUTO_TEST_CASE(every_variable_renders_like_composer) {
  const std::string format =
      "run_name={run_name},rank={rank},node_rank={node_rank},world_size={world_size},"
      "local_world_size={local_world_size},local_rank={local_rank},extra={extra},epoch={epoch},batch={batch},"
      "batch_in_epoch={batch_in_epoch},sample={sample},sample_in_epoch={sample_in_epoch},token={token},"
      "token_in_epoch={token_in_epoch},total_wct={total_wct},epoch_wct={epoch_wct},batch_wct={batch_wct}";
  BOOST_TEST(format_name_with_dist_and_time(format, "awesome_run", DistInfo::single_process(), scenario_timestamp()) ==
             "run_name=awesome_run,rank=0,node_rank=0,world_size=1,local_world_size=1,local_rank=0,extra={extra},"
             "epoch=0,batch=1,batch_in_epoch=1,sample=2,sample_in_epoch=2,token=3,token_in_epoch=3,"
             "total_wct=36000.0,epoch_wct=3000.0,batch_wct=5.0");
}

BOOST_AUTO_TEST_CASE(extra_values_fill_through_partial_format) {
  BOOST_TEST(partial_format("extra={extra},other={other}", {{"extra", "42"}}) == "extra=42,other={other}");
}

BOOST_AUTO_TEST_CASE(dist_only_formatting_leaves_time_fields) {
  BOOST_TEST(format_name_with_dist("{run_name}/rank{rank}/ep{epoch}", "r", DistInfo::single_process()) == "r/rank0/ep{epoch}");
}

BOOST_AUTO_TEST_CASE(unset_dist_variables_stay_literal) {
  DistInfo unset;  // no environment: every field empty
  BOOST_TEST(format_name_with_dist("{run_name}-rank{rank}-node{node_rank}", "run", unset) == "run-rank{rank}-node{node_rank}");
  BOOST_TEST(format_name_with_dist("{run_name}/checkpoints", "run", unset) == "run/checkpoints");
  DistInfo partial;
  partial.rank = 3;
  BOOST_TEST(format_name_with_dist("r{rank}-w{world_size}", "run", partial) == "r3-w{world_size}");
}

BOOST_AUTO_TEST_CASE(escapes_and_unknown_fields_with_specs) {
  BOOST_TEST(partial_format("{{epoch}}-{epoch}-{{{epoch}}}", {{"epoch", "4"}}) == "{epoch}-4-{4}");
  BOOST_TEST(partial_format("{foo:04d}/{foo!r}/{}", {}) == "{foo:04d}/{foo!r}/{}");
}

BOOST_AUTO_TEST_CASE(format_specs_on_known_fields) {
  BOOST_TEST(partial_format("ep{epoch:04d}", {{"epoch", "7"}}) == "ep0007");
  BOOST_TEST(partial_format("[{epoch:>4}][{epoch:<4}][{epoch:^5}][{epoch:*>4}]", {{"epoch", "7"}}) ==
             "[   7][7   ][  7  ][***7]");
  BOOST_TEST(partial_format("{wct:.2f}", {{"wct", "5.0"}}) == "5.00");
  BOOST_TEST(partial_format("{name:>6}|{name:.2}", {{"name", "abc"}}) == "   abc|ab");
  BOOST_TEST(partial_format("{n:+d}", {{"n", "5"}}) == "+5");
  BOOST_TEST(partial_format("{n:05d}", {{"n", "-5"}}) == "-0005");
}

BOOST_AUTO_TEST_CASE(bad_templates_are_config_errors) {
  BOOST_CHECK_THROW(partial_format("ep{epoch", {{"epoch", "1"}}), ConfigError);
  BOOST_CHECK_THROW(partial_format("ep}x", {}), ConfigError);
  BOOST_CHECK_THROW(partial_format("{name:d}", {{"name", "abc"}}), ConfigError);
  BOOST_CHECK_THROW(partial_format("{n:,d}", {{"n", "1000"}}), ConfigError);
  BOOST_CHECK_THROW(partial_format("{n!r}", {{"n", "1"}}), ConfigError);
}

BOOST_AUTO_TEST_CASE(floats_print_like_python_str) {
  BOOST_TEST(python_float_str(36000.0) == "36000.0");
  BOOST_TEST(python_float_str(3000.0) == "3000.0");
  BOOST_TEST(python_float_str(5.0) == "5.0");
  BOOST_TEST(python_float_str(0.5) == "0.5");
  BOOST_TEST(python_float_str(0.0) == "0.0");
  BOOST_TEST(python_float_str(0.1 + 0.2) == "0.30000000000000004");
  BOOST_TEST(python_float_str(1e-5) == "1e-05");
  BOOST_TEST(python_float_str(0.0001) == "0.0001");
  BOOST_TEST(python_float_str(1e16) == "1e+16");
  BOOST_TEST(python_float_str(1234567890123456.0) == "1234567890123456.0");
  BOOST_TEST(python_float_str(-2.5) == "-2.5");
  BOOST_TEST(python_float_str(12.345) == "12.345");
}

BOOST_AUTO_TEST_SUITE_END()
