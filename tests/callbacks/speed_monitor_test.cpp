// SpeedMonitor: throughput over its window and wall-clock totals, checked
// against the timestamps the metrics were logged with.
#include <boost/test/unit_test.hpp>

#include "callback_fixture.h"
#include "checkpoint/io/checkpoint_file.h"
#include "cairn/errors.h"
#include "test_text.h"

namespace cairn::test {

BOOST_AUTO_TEST_SUITE(speed_monitor)

BOOST_AUTO_TEST_CASE(throughput_over_the_window_and_wall_clock_every_batch) {
  auto o = plain_options("1ep");  // 5 batches of 2 samples, no tokens
  auto destination = std::make_shared<RecordingDestination>();
  o.callbacks.push_back({"", make_callback("SpeedMonitor", {{"window_size", 2}})});
  o.callbacks.push_back({"", destination});
  Trainer trainer(std::move(o));
  trainer.fit();

  const auto wall = destination->with("wall_clock/train");
  BOOST_TEST_REQUIRE(wall.size() == 5u);
  for (size_t i = 0; i < wall.size(); ++i) {
    BOOST_TEST(wall[i].at.batch == int64_t(i + 1));
    BOOST_TEST(wall[i].metrics.at("wall_clock/train") == wall[i].at.total_wct);
    BOOST_TEST(wall[i].metrics.at("wall_clock/val") == 0.0);
    BOOST_TEST(wall[i].metrics.at("wall_clock/total") == wall[i].at.total_wct);
  }
  // A window of 2 batches needs 3 records: the first throughput is at batch 3.
  const auto throughput = destination->with("throughput/batches_per_sec");
  BOOST_TEST_REQUIRE(throughput.size() == 3u);
  for (size_t i = 0; i < throughput.size(); ++i) {
    const auto& m = throughput[i].metrics;
    BOOST_TEST(throughput[i].at.batch == int64_t(i + 3));
    const double elapsed = wall[i + 2].at.total_wct - wall[i].at.total_wct;  // batches i+1 .. i+3
    BOOST_TEST(m.at("throughput/batches_per_sec") == 2.0 / elapsed, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(m.at("throughput/samples_per_sec") == 4.0 / elapsed, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(m.at("throughput/device/batches_per_sec") == m.at("throughput/batches_per_sec"));
    BOOST_TEST(m.at("throughput/device/samples_per_sec") == m.at("throughput/samples_per_sec"));
    BOOST_TEST(m.count("throughput/tokens_per_sec") == 0u);  // the data has no tokens
  }
}

BOOST_AUTO_TEST_CASE(evaluation_time_is_wall_clock_val) {
  // Evaluated after batches 2 and 4: the time of each evaluation shows from
  // the next batch on, and the total is training plus evaluation.
  auto o = plain_options("1ep");
  o.eval_dataloader = make_eval_dataset();
  o.eval_interval = Time(2, TimeUnit::BATCH);
  auto destination = std::make_shared<RecordingDestination>();
  o.callbacks.push_back({"", make_callback("SpeedMonitor", {{"window_size", 2}})});
  o.callbacks.push_back({"", destination});
  Trainer trainer(std::move(o));
  trainer.fit();
  const auto wall = destination->with("wall_clock/val");
  BOOST_TEST_REQUIRE(wall.size() == 5u);
  std::vector<double> val;
  for (const auto& w : wall) {
    val.push_back(w.metrics.at("wall_clock/val"));
    BOOST_TEST(w.metrics.at("wall_clock/total") == w.metrics.at("wall_clock/train") + val.back());
  }
  BOOST_TEST(val[0] == 0.0);
  BOOST_TEST(val[1] == 0.0);
  BOOST_TEST(val[2] > 0.0);
  BOOST_TEST(val[3] == val[2]);
  BOOST_TEST(val[4] > val[3]);
}

BOOST_AUTO_TEST_CASE(two_instances_get_distinct_stable_keys) {
  TempDir dir;
  auto o = plain_options("2ba");
  o.callbacks.push_back({"SpeedMonitor", make_callback("SpeedMonitor", {{"window_size", 1}})});
  o.callbacks.push_back({"SpeedMonitor", make_callback("SpeedMonitor", {{"window_size", 3}})});
  o.save_folder = dir / "ckpt";
  o.save_interval = Time(1, TimeUnit::BATCH);
  Trainer trainer(std::move(o));
  trainer.fit();
  const auto root = checkpoint::read_checkpoint(dir / "ckpt/ep0-ba2-rank0.pt");
  BOOST_TEST(at_path(root, "state/callbacks/SpeedMonitor/window_size").toInt() == 1);
  BOOST_TEST(at_path(root, "state/callbacks/SpeedMonitor#2/window_size").toInt() == 3);
  // Window 1 keeps 2 records, window 3 keeps all 2 seen so far.
  BOOST_TEST(at_path(root, "state/callbacks/SpeedMonitor/history_samples").toListRef().size() == 2u);
  BOOST_TEST(at_path(root, "state/callbacks/SpeedMonitor#2/history_samples").toListRef().size() == 2u);
}

BOOST_AUTO_TEST_CASE(bad_window_size_names_the_plugin_and_field) {
  const std::string message = error_text<ConfigError>([] { make_callback("SpeedMonitor", {{"window_size", 0}}); });
  BOOST_TEST(contains(message, "SpeedMonitor"), message);
  BOOST_TEST(contains(message, "window_size"), message);
  const std::string typo = error_text<ConfigError>([] { make_callback("SpeedMonitor", {{"window", 5}}); });
  BOOST_TEST(contains(typo, "window"), typo);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
