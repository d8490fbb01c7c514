// MemoryMonitor reports the process's resident memory as /proc shows it;
// RuntimeEstimator's estimate is exact for a known rate and survives a
// state round trip mid-run.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <optional>
#include <sstream>

#include "cairn/errors.h"
#include "callback_fixture.h"
#include "ivalue_compare.h"
#include "test_text.h"

namespace cairn::test {
namespace {

// VmRSS from /proc/self/status, in bytes, read at AFTER_TRAIN_BATCH right
// after MemoryMonitor read it.
class RssProbe : public Callback {
 public:
  void on_event(Event event, State&) override {
    if (event != Event::AFTER_TRAIN_BATCH) return;
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) rss_bytes.push_back(std::stod(line.substr(6)) * 1024.0);
    }
  }
  std::vector<double> rss_bytes;
};

// A Logger that forwards metrics to a RecordingDestination.
class ForwardingLogger : public RecordingLogger {
 public:
  explicit ForwardingLogger(RecordingDestination& sink) : sink_(sink) {}
  void log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) override {
    sink_.log_metrics(metrics, at);
  }

 private:
  RecordingDestination& sink_;
};

// Runs `batches` batches of `seconds` each through `callback` with max_duration
// `max_duration`, starting from `start` batches already done.
std::vector<LoggedMetrics> drive(Callback& callback, const std::string& max_duration, int64_t start, int64_t batches,
                                 double seconds, std::optional<int64_t> dataloader_len = std::nullopt) {
  RecordingDestination sink;
  ForwardingLogger logger(sink);
  State state;
  state.max_duration = Time::parse(max_duration);
  state.dataloader_len = dataloader_len;
  state.logger = &logger;
  for (int64_t i = 0; i < start; ++i) state.timestamp.to_next_batch(1, 0, seconds);
  for (int64_t i = 0; i < batches; ++i) {
    callback.on_event(Event::BATCH_START, state);
    state.timestamp.to_next_batch(1, 0, seconds);
    callback.on_event(Event::BATCH_END, state);
  }
  return sink.with("time/remaining_estimate");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(memory_and_runtime)

BOOST_AUTO_TEST_CASE(memory_monitor_reports_the_resident_set_proc_shows) {
  auto o = plain_options("1ep");
  auto destination = std::make_shared<RecordingDestination>();
  auto probe = std::make_shared<RssProbe>();
  o.callbacks.push_back({"", make_callback("MemoryMonitor")});
  o.callbacks.push_back({"", probe});
  o.callbacks.push_back({"", destination});
  Trainer trainer(std::move(o));
  trainer.fit();
  const auto logged = destination->with("memory/host/rss_mem");
  BOOST_TEST_REQUIRE(logged.size() == 5u);
  BOOST_TEST_REQUIRE(probe->rss_bytes.size() == 5u);
  for (size_t i = 0; i < logged.size(); ++i) {
    const double rss = logged[i].metrics.at("memory/host/rss_mem") * 1e9;
    BOOST_TEST(rss > 0.0);
    // Read microseconds apart: within 1 MiB of each other.
    BOOST_TEST(std::abs(rss - probe->rss_bytes[i]) < 1024.0 * 1024.0, rss << " vs " << probe->rss_bytes[i]);
    BOOST_TEST(logged[i].metrics.at("memory/host/peak_rss_mem") >= logged[i].metrics.at("memory/host/rss_mem"));
    BOOST_TEST(logged[i].metrics.size() == 2u);  // no accelerator in this build
  }
}

BOOST_AUTO_TEST_CASE(runtime_estimator_is_exact_for_a_known_rate) {
  // 10 batches of 2 s. Skipping 1 batch, it measures from the start of batch
  // 2: after batch k the rate is 2 s per batch, so 2 * (10 - k) s remain.
  auto estimator = make_callback("RuntimeEstimator", {{"skip_batches", 1}, {"time_unit", "seconds"}});
  const auto logged = drive(*estimator, "10ba", 0, 10, 2.0);
  BOOST_TEST_REQUIRE(logged.size() == 9u);
  for (const auto& l : logged) {
    BOOST_TEST(l.metrics.at("time/remaining_estimate") == 2.0 * double(10 - l.at.batch),
               boost::test_tools::tolerance(1e-9));
  }
  // In minutes, the same estimate / 60.
  auto minutes = make_callback("RuntimeEstimator", {{"skip_batches", 0}, {"time_unit", "minutes"}});
  const auto in_minutes = drive(*minutes, "10ba", 0, 4, 30.0);
  BOOST_TEST_REQUIRE(in_minutes.size() == 4u);
  BOOST_TEST(in_minutes.back().metrics.at("time/remaining_estimate") == 30.0 * 6 / 60.0,
             boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(runtime_estimator_counts_batches_within_an_epoch) {
  // max_duration 2ep of 5 batches, 1 s each: after batch k, k/10 of the run
  // is done at 10 s per run, so 10 - k s remain, from the first batch on.
  auto estimator = make_callback("RuntimeEstimator", {{"skip_batches", 0}, {"time_unit", "seconds"}});
  const auto logged = drive(*estimator, "2ep", 0, 4, 1.0, 5);
  BOOST_TEST_REQUIRE(logged.size() == 4u);
  for (const auto& l : logged) {
    BOOST_TEST(l.metrics.at("time/remaining_estimate") == 10.0 - double(l.at.batch), boost::test_tools::tolerance(1e-9));
  }
}

BOOST_AUTO_TEST_CASE(runtime_estimator_continues_from_its_state_after_a_resume) {
  // 4 batches of 1 s, then a resume into a fresh instance, then 2 s batches:
  // the start point kept in the state makes the rate (4 + 2*2 - 1) / 7 s per
  // batch after 8 batches, not the 2 s a fresh start would measure.
  auto first = make_callback("RuntimeEstimator", {{"skip_batches", 1}, {"time_unit", "seconds"}});
  drive(*first, "20ba", 0, 4, 1.0);
  auto resumed = make_callback("RuntimeEstimator", {{"skip_batches", 1}, {"time_unit", "seconds"}});
  resumed->load_state_dict(first->state_dict());
  BOOST_TEST(first_difference(first->state_dict(), resumed->state_dict()).empty());
  // The resumed timestamp carries total_wct = 4 s from the checkpoint.
  RecordingDestination sink;
  ForwardingLogger logger(sink);
  State state;
  state.max_duration = Time::parse("20ba");
  state.logger = &logger;
  for (int i = 0; i < 4; ++i) state.timestamp.to_next_batch(1, 0, 1.0);
  for (int i = 0; i < 4; ++i) {
    resumed->on_event(Event::BATCH_START, state);
    state.timestamp.to_next_batch(1, 0, 2.0);
    resumed->on_event(Event::BATCH_END, state);
  }
  const auto logged = sink.with("time/remaining_estimate");
  BOOST_TEST_REQUIRE(logged.size() == 4u);  // no batches skipped again
  // Measuring began at total_wct 1 s (start of batch 2, progress 1/20).
  const double rate = (12.0 - 1.0) / 7.0;
  BOOST_TEST(logged.back().metrics.at("time/remaining_estimate") == rate * 12.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(runtime_estimator_rejects_unknown_units) {
  const std::string message =
      error_text<ConfigError>([] { make_callback("RuntimeEstimator", {{"time_unit", "fortnights"}}); });
  BOOST_TEST(contains(message, "time_unit"), message);
  BOOST_TEST(contains(message, "fortnights"), message);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
