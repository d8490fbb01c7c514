// Scenario 37: the saver's own state (Composer's test_stateful_checkpoint_saver),
// and that a checkpoint's copy of it already lists the checkpoint itself.
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "cairn/state_dict.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "core/ivalue_convert.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;

namespace {

const char* kKey = "all_saved_checkpoints_to_timestamp";

c10::List<c10::IValue> history_of(const c10::IValue& state) {
  const c10::IValue* history = find_key(state, kKey);
  BOOST_TEST_REQUIRE(history != nullptr);
  BOOST_TEST_REQUIRE(history->isList());
  return history->toList();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(saver_state)

BOOST_AUTO_TEST_CASE(empty_state_and_loading_nothing) {
  CheckpointSaver saver{CheckpointSaverOptions{}};
  const c10::IValue empty = saver.state_dict();
  BOOST_TEST(empty.toGenericDict().size() == 1u);
  BOOST_TEST(history_of(empty).size() == 0u);

  saver.load_state_dict(make_dict());  // {}: a checkpoint from before the key existed
  BOOST_TEST(history_of(saver.state_dict()).size() == 0u);
}

BOOST_AUTO_TEST_CASE(one_entry_round_trips) {
  CheckpointSaver saver{CheckpointSaverOptions{}};
  Timestamp ts;
  ts.iteration = 1;
  ts.epoch = 2;
  ts.batch = 3;
  ts.total_wct = 12.5;

  c10::impl::GenericList pair(c10::AnyType::get());
  pair.push_back(std::string("example-checkpoint.pt"));
  pair.push_back(timestamp_to_ivalue(ts));
  c10::impl::GenericList history(c10::AnyType::get());
  history.push_back(pair);
  auto state = make_dict();
  state.insert(kKey, history);

  saver.load_state_dict(state);
  BOOST_TEST_REQUIRE(saver.all_saved_checkpoints_to_timestamp().size() == 1u);
  const auto& [name, loaded] = saver.all_saved_checkpoints_to_timestamp()[0];
  BOOST_TEST(name == "example-checkpoint.pt");
  BOOST_TEST(loaded.iteration == 1);
  BOOST_TEST(loaded.epoch == 2);
  BOOST_TEST(loaded.batch == 3);
  BOOST_TEST(loaded.sample == 0);
  BOOST_TEST((loaded == ts));

  const auto again = history_of(saver.state_dict());
  BOOST_TEST_REQUIRE(again.size() == 1u);
  const auto entry = again.get(0).toList();
  BOOST_TEST_REQUIRE(entry.size() == 2u);
  BOOST_TEST(entry.get(0).toStringRef() == "example-checkpoint.pt");
  BOOST_TEST((timestamp_from_ivalue(entry.get(1), "entry") == ts));
}

BOOST_AUTO_TEST_CASE(python_tuples_load_too) {
  CheckpointSaver saver{CheckpointSaverOptions{}};
  Timestamp ts;
  ts.batch = 9;
  c10::impl::GenericList history(c10::AnyType::get());
  history.push_back(c10::ivalue::Tuple::create({c10::IValue(std::string("a.pt")), timestamp_to_ivalue(ts)}));
  auto state = make_dict();
  state.insert(kKey, history);
  saver.load_state_dict(state);
  BOOST_TEST_REQUIRE(saver.all_saved_checkpoints_to_timestamp().size() == 1u);
  BOOST_TEST(saver.all_saved_checkpoints_to_timestamp()[0].second.batch == 9);
}

BOOST_AUTO_TEST_CASE(malformed_state_is_a_checkpoint_error) {
  CheckpointSaver saver{CheckpointSaverOptions{}};
  auto not_a_list = make_dict();
  not_a_list.insert(kKey, int64_t(3));
  BOOST_CHECK_THROW(saver.load_state_dict(not_a_list), CheckpointError);
  c10::impl::GenericList bad(c10::AnyType::get());
  bad.push_back(std::string("just a name"));
  auto bad_entry = make_dict();
  bad_entry.insert(kKey, bad);
  BOOST_CHECK_THROW(saver.load_state_dict(bad_entry), CheckpointError);
}

BOOST_AUTO_TEST_CASE(each_checkpoint_lists_itself) {
  TempDir dir;
  CheckpointSaverOptions options;
  options.folder = dir.path().string();
  options.save_interval = Time::parse("1ep");
  CheckpointSaver saver(options);
  CountingAssembler assembler(&saver);
  assembler.attach_to(saver);
  State state = make_state("self", "2ep", 5);
  saver.on_event(Event::INIT, state);
  run_fit(state, saver, LoopShape{});
  BOOST_TEST_REQUIRE(saver.saved_checkpoints().size() == 2u);

  const c10::IValue second = checkpoint::read_checkpoint(saver.saved_checkpoints()[1]);
  const c10::IValue& saver_state =
      second.toGenericDict().at("state").toGenericDict().at("callbacks").toGenericDict().at("CheckpointSaver");
  const auto history = history_of(saver_state);
  BOOST_TEST_REQUIRE(history.size() == 2u);
  BOOST_TEST(history.get(0).toList().get(0).toStringRef() == saver.saved_checkpoints()[0]);
  BOOST_TEST(history.get(1).toList().get(0).toStringRef() == saver.saved_checkpoints()[1]);
  BOOST_TEST(timestamp_from_ivalue(history.get(1).toList().get(1), "entry").epoch == 2);

  // A resumed saver takes the history over and extends it.
  CheckpointSaver resumed(options);
  resumed.load_state_dict(saver_state);
  BOOST_TEST(resumed.all_saved_checkpoints_to_timestamp().size() == 2u);
  BOOST_TEST(resumed.saved_checkpoints().empty());  // rotation only ever sees this run's own files
}

BOOST_AUTO_TEST_SUITE_END()
