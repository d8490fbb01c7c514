// The order in which algorithms, callbacks and logger destinations run at each
// event is Composer's Engine.run_event order (sdk/include/cairn/event.h).
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "cairn/algorithm.h"
#include "callback_fixture.h"

namespace cairn::test {
namespace {

using Trace = std::vector<std::pair<Event, std::string>>;

class TracingCallback : public Callback {
 public:
  TracingCallback(std::string name, Trace& trace) : name_(std::move(name)), trace_(trace) {}
  void on_event(Event event, State&) override { trace_.push_back({event, name_}); }

 private:
  std::string name_;
  Trace& trace_;
};

class TracingDestination : public TracingCallback, public LoggerDestination {
 public:
  using TracingCallback::TracingCallback;
  LoggerDestination* as_logger_destination() override { return this; }
};

class TracingAlgorithm : public Algorithm {
 public:
  TracingAlgorithm(std::string name, Trace& trace, bool matches = true)
      : name_(std::move(name)), trace_(trace), matches_(matches) {}
  bool match(Event, const State&) override { return matches_; }
  void apply(Event event, State&) override { trace_.push_back({event, name_}); }

 private:
  std::string name_;
  Trace& trace_;
  bool matches_;
};

// Who ran at the first firing of `event` (each participant runs once per firing).
std::vector<std::string> who_ran(const Trace& trace, Event event) {
  std::vector<std::string> names;
  for (const auto& [e, name] : trace) {
    if (e != event) continue;
    if (std::find(names.begin(), names.end(), name) != names.end()) break;
    names.push_back(name);
  }
  return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(event_order)

BOOST_AUTO_TEST_CASE(algorithms_callbacks_and_destinations_run_in_composers_order) {
  Trace trace;
  auto o = plain_options("1ep");  // every event fires, EPOCH_END included
  // Destinations are listed first and between callbacks, so that only the
  // engine's grouping can put them where they must run.
  o.callbacks.push_back({"dest", std::make_shared<TracingDestination>("dest", trace)});
  o.callbacks.push_back({"cb1", std::make_shared<TracingCallback>("cb1", trace)});
  o.callbacks.push_back({"cb2", std::make_shared<TracingCallback>("cb2", trace)});
  o.algorithms.push_back({"alg1", std::make_shared<TracingAlgorithm>("alg1", trace)});
  o.algorithms.push_back({"never", std::make_shared<TracingAlgorithm>("never", trace, false)});
  o.algorithms.push_back({"alg2", std::make_shared<TracingAlgorithm>("alg2", trace)});
  Trainer trainer(std::move(o));
  trainer.fit();

  using V = std::vector<std::string>;
  // INIT: destinations, then callbacks, then algorithms.
  BOOST_TEST(who_ran(trace, Event::INIT) == (V{"dest", "cb1", "cb2", "alg1", "alg2"}), boost::test_tools::per_element());
  // Other events: algorithms, callbacks, destinations.
  for (Event e : {Event::BEFORE_LOAD, Event::FIT_START, Event::EPOCH_START, Event::BEFORE_DATALOADER, Event::BATCH_START,
                  Event::BEFORE_TRAIN_BATCH, Event::BEFORE_FORWARD, Event::BEFORE_LOSS, Event::BEFORE_BACKWARD,
                  Event::BATCH_CHECKPOINT, Event::EPOCH_CHECKPOINT}) {
    BOOST_TEST(who_ran(trace, e) == (V{"alg1", "alg2", "cb1", "cb2", "dest"}), boost::test_tools::per_element());
  }
  // "After" events: the algorithms unwind in reverse.
  for (Event e : {Event::AFTER_LOAD, Event::AFTER_DATALOADER, Event::AFTER_FORWARD, Event::AFTER_LOSS,
                  Event::AFTER_BACKWARD, Event::AFTER_TRAIN_BATCH, Event::BATCH_END, Event::EPOCH_END, Event::FIT_END}) {
    BOOST_TEST(who_ran(trace, e) == (V{"alg2", "alg1", "cb1", "cb2", "dest"}), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
