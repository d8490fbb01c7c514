// Loading: weights-only, strictness, ignore globs, autoresume, overwrite guard,
// several savers, and bad checkpoints (scenarios 8, 17, 19-21, 27-31).
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "cairn/errors.h"
#include "cairn/state.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/model_state.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "core/ivalue_convert.h"
#include "fixtures.h"
#include "ivalue_compare.h"

namespace cairn::test {
namespace {

namespace fs = std::filesystem;

c10::IValue read_ckpt(const std::string& path) { return checkpoint::read_checkpoint(path); }

std::string trained_checkpoint(const TempDir& dir, const std::string& duration = "1ep") {
  auto o = make_options(duration);
  o.save_folder = dir / "first";
  Trainer trainer(std::move(o));
  trainer.fit();
  return trainer.saved_checkpoints().back();
}

const c10::IValue& at_path(const c10::IValue& root, const std::vector<std::string>& keys) {
  const c10::IValue* v = &root;
  for (const auto& k : keys) v = &require_key(*v, k, "test");
  return *v;
}


}  // namespace

BOOST_AUTO_TEST_SUITE(load)

BOOST_AUTO_TEST_CASE(weights_only_checkpoint_layout) {
  TempDir dir;
  auto o = make_options("2ba");
  o.save_folder = dir.path();
  o.save_interval = Time::parse("1ba");
  o.save_weights_only = true;
  Trainer(std::move(o)).fit();
  const auto root = read_ckpt(dir / "ep0-ba1-rank0.pt");
  BOOST_TEST(find_key(root, "rng") == nullptr);
  std::vector<std::string> keys;
  for (const auto& item : require_key(root, "state", "test").toGenericDict()) keys.push_back(item.key().toStringRef());
  const std::vector<std::string> expected = {"model", "integrations", "metadata"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(weights_only_load_restores_model_but_not_training_state) {
  TempDir dir;
  const std::string ckpt = trained_checkpoint(dir);
  auto callback = std::make_shared<DummyStatefulCallback>();
  auto o = make_options("1ep", /*seed=*/5);  // another seed, so an unrestored random value differs
  o.callbacks = {{"DummyStatefulCallback", callback}};
  o.load_path = ckpt;
  o.load_weights_only = true;
  Trainer trainer(std::move(o));
  const auto saved = read_ckpt(ckpt);
  BOOST_TEST(first_difference(at_path(saved, {"state", "model"}), model_state_dict(*trainer.state().model->module())).empty());
  BOOST_TEST(trainer.state().timestamp.batch == 0);
  BOOST_TEST(callback->batches_seen == 0);
  BOOST_TEST(callback->random_value != at_path(saved, {"state", "callbacks", "DummyStatefulCallback", "random_value"}).toDouble());

  auto full_callback = std::make_shared<DummyStatefulCallback>();
  auto f = make_options("1ep", 5);
  f.callbacks = {{"DummyStatefulCallback", full_callback}};
  f.load_path = ckpt;
  Trainer full(std::move(f));
  BOOST_TEST(full.state().timestamp.batch == 5);
  BOOST_TEST(full_callback->batches_seen == 5);
  BOOST_TEST(full_callback->random_value == at_path(saved, {"state", "callbacks", "DummyStatefulCallback", "random_value"}).toDouble());
}

BOOST_AUTO_TEST_CASE(strict_load_lists_every_mismatch) {
  TempDir dir;
  const std::string ckpt = trained_checkpoint(dir);
  auto o = make_options("1ep", 42, /*extra_layer=*/true);
  o.load_path = ckpt;
  o.load_weights_only = true;
  try {
    Trainer trainer(std::move(o));
    BOOST_FAIL("a strict load of a checkpoint missing fc3 must fail");
  } catch (const CheckpointError& e) {
    const std::string m = e.what();
    BOOST_TEST(m.find("Error(s) in loading state_dict") != std::string::npos, m);
    BOOST_TEST(m.find("fc3.weight") != std::string::npos, m);
    BOOST_TEST(m.find("fc3.bias") != std::string::npos, m);
  }
  auto lenient = make_options("1ep", 42, true);
  lenient.load_path = ckpt;
  lenient.load_weights_only = true;
  lenient.load_strict_model_weights = false;
  Trainer trainer(std::move(lenient));  // loads fc1/fc2, keeps fc3
  const auto saved = read_ckpt(ckpt);
  const auto& w = at_path(saved, {"state", "model", "fc1.weight"}).toTensor();
  BOOST_TEST(torch::equal(w, std::static_pointer_cast<ModuleModel<TinyNet>>(trainer.state().model)->holder()->fc1->weight));
}

BOOST_AUTO_TEST_CASE(shape_mismatch_is_an_error_even_when_not_strict) {
  TempDir dir;
  const std::string ckpt = trained_checkpoint(dir);
  TrainerOptions o = make_options("1ep");
  auto net = TinyNet(4, 16, 3);  // hidden 16 instead of 8
  o.model = std::make_shared<ModuleModel<TinyNet>>(net);
  o.optimizers = {std::make_shared<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(0.01))};
  o.schedulers.clear();
  o.load_path = ckpt;
  o.load_strict_model_weights = false;
  BOOST_CHECK_EXCEPTION(Trainer(std::move(o)), CheckpointError, [](const CheckpointError& e) {
    return std::string(e.what()).find("size mismatch for 'fc1.weight (checkpoint [8, 4], model [16, 4])'") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(ignore_key_globs) {
  TempDir dir;
  const std::string ckpt = trained_checkpoint(dir);
  const auto saved = read_ckpt(ckpt);
  const double saved_value = at_path(saved, {"state", "callbacks", "DummyStatefulCallback", "random_value"}).toDouble();
  struct Row {
    std::string glob;
    bool weights, callback;
  };
  for (const Row& row : {Row{"*", false, false}, Row{"state/model/*", false, true}, Row{"state/callbacks/*", true, false},
                         Row{"rng", true, true}}) {
    auto callback = std::make_shared<DummyStatefulCallback>();
    auto o = make_options("1ep", 3);
    o.callbacks = {{"DummyStatefulCallback", callback}};
    o.load_path = ckpt;
    o.load_ignore_keys = {row.glob};
    o.load_strict_model_weights = false;
    Trainer t(std::move(o));
    const bool weights_equal = first_difference(at_path(saved, {"state", "model"}), model_state_dict(*t.state().model->module())).empty();
    BOOST_TEST(weights_equal == row.weights, row.glob);
    BOOST_TEST((callback->random_value == saved_value) == row.callback, row.glob);
  }
}

BOOST_AUTO_TEST_CASE(save_ignore_keys_remove_entries_from_the_file) {
  TempDir dir;
  auto o = make_options("1ep");
  o.save_folder = dir.path();
  o.save_ignore_keys = {"state/callbacks/*", "rng"};
  Trainer(std::move(o)).fit();
  const auto root = read_ckpt(dir / "ep1-ba5-rank0.pt");
  BOOST_TEST(find_key(root, "rng") == nullptr);
  BOOST_TEST(at_path(root, {"state", "callbacks"}).toGenericDict().size() == 0u);
  BOOST_TEST(find_key(at_path(root, {"state"}), "model") != nullptr);
}

BOOST_AUTO_TEST_CASE(overwrite_guard_refuses_future_checkpoints) {
  TempDir dir;
  auto first = make_options("2ep");
  first.save_folder = dir.path();
  Trainer(std::move(first)).fit();
  const std::string before = read_bytes(dir / "ep2-ba10-rank0.pt");

  auto again = make_options("2ep");
  again.save_folder = dir.path();
  again.load_path = dir / "ep1-ba5-rank0.pt";
  Trainer blocked(std::move(again));
  BOOST_CHECK_THROW(blocked.fit(), ConfigError);
  BOOST_TEST(read_bytes(dir / "ep2-ba10-rank0.pt") == before);

  auto allowed = make_options("2ep");
  allowed.save_folder = dir.path();
  allowed.load_path = dir / "ep1-ba5-rank0.pt";
  allowed.save_overwrite = true;
  Trainer(std::move(allowed)).fit();

  auto from_latest = make_options("3ep");
  from_latest.save_folder = dir.path();
  from_latest.load_path = dir / "ep2-ba10-rank0.pt";
  Trainer(std::move(from_latest)).fit();
  BOOST_TEST(fs::exists(dir / "ep3-ba15-rank0.pt"));
}

BOOST_AUTO_TEST_CASE(autoresume_resumes_from_latest_and_ignores_load_settings) {
  TempDir dir;
  auto first = make_options("2ep");
  first.save_folder = dir / "{run_name}";
  first.autoresume = true;
  Trainer(std::move(first)).fit();

  auto second = make_options("3ep", 5);
  second.save_folder = dir / "{run_name}";
  second.autoresume = true;
  second.load_path = dir / "ignore_me.pt";
  second.load_ignore_keys = {"*"};
  Trainer t(std::move(second));
  BOOST_TEST(t.state().timestamp.epoch == 2);
  BOOST_TEST(t.state().rank_zero_seed == 42u);
  t.fit();
  BOOST_TEST(fs::exists(dir / "test-run/ep3-ba15-rank0.pt"));
}

BOOST_AUTO_TEST_CASE(autoresume_with_nothing_saved_starts_fresh) {
  TempDir dir;
  auto o = make_options("1ep");
  o.save_folder = dir.path();
  o.autoresume = true;
  Trainer t(std::move(o));
  BOOST_TEST(t.state().timestamp.batch == 0);
}

BOOST_AUTO_TEST_CASE(autoresume_preconditions) {
  auto no_folder = make_options("1ep");
  no_folder.autoresume = true;
  BOOST_CHECK_EXCEPTION(Trainer(std::move(no_folder)), ConfigError,
                        [](const ConfigError& e) { return std::string(e.what()).find("save_folder") != std::string::npos; });
  TempDir dir;
  auto no_latest = make_options("1ep");
  no_latest.autoresume = true;
  no_latest.save_folder = dir.path();
  no_latest.save_latest_filename.reset();
  BOOST_CHECK_EXCEPTION(Trainer(std::move(no_latest)), ConfigError, [](const ConfigError& e) {
    return std::string(e.what()).find("save_latest_filename") != std::string::npos;
  });
  auto no_name = make_options("1ep");
  no_name.autoresume = true;
  no_name.save_folder = dir.path();
  no_name.run_name.reset();
  BOOST_CHECK_EXCEPTION(Trainer(std::move(no_name)), ConfigError,
                        [](const ConfigError& e) { return std::string(e.what()).find("run_name") != std::string::npos; });
}

BOOST_AUTO_TEST_CASE(run_name_in_load_path) {
  TempDir dir;
  auto first = make_options("2ep");
  first.save_folder = dir / "{run_name}/first";
  Trainer(std::move(first)).fit();
  auto second = make_options("2ep");
  second.load_path = dir / "{run_name}/first/ep1-ba5-rank{rank}.pt";
  Trainer t(std::move(second));
  BOOST_TEST(t.state().timestamp.epoch == 1);
}

BOOST_AUTO_TEST_CASE(bad_checkpoint_files_are_clear_errors) {
  TempDir dir;
  const std::string good = trained_checkpoint(dir);
  const std::string good_bytes = read_bytes(good);
  write_bytes(dir / "truncated.pt", good_bytes.substr(0, good_bytes.size() / 2));
  write_bytes(dir / "random.pt", std::string(4096, '\x5a'));
  write_bytes(dir / "empty.pt", "");
  for (const std::string name : {"missing.pt", "truncated.pt", "random.pt", "empty.pt"}) {
    auto o = make_options("1ep");
    o.save_folder = dir / "first";
    o.load_path = dir / name;
    try {
      Trainer t(std::move(o));
      BOOST_FAIL("loading " << name << " must fail");
    } catch (const CheckpointError& e) {
      BOOST_TEST(std::string(e.what()).find(name) != std::string::npos, e.what());
    }
    BOOST_TEST(read_bytes(good) == good_bytes);
  }
}

BOOST_AUTO_TEST_CASE(several_savers_are_independent) {
  TempDir dir;
  CheckpointSaverOptions full;
  full.folder = dir / "full";
  full.save_interval = Time::parse("2ba");
  full.num_checkpoints_to_keep = 1;
  CheckpointSaverOptions weights;
  weights.folder = dir / "weights";
  weights.weights_only = true;
  auto o = make_options("2ep");
  o.callbacks.push_back({"", std::make_shared<CheckpointSaver>(full)});
  o.callbacks.push_back({"", std::make_shared<CheckpointSaver>(weights)});
  Trainer t(std::move(o));
  t.fit();
  BOOST_TEST(list_files(dir / "full") == (std::vector<std::string>{"ep1-ba10-rank0.pt", "latest-rank0.pt"}),
             boost::test_tools::per_element());
  BOOST_TEST(list_files(dir / "weights") ==
                 (std::vector<std::string>{"ep1-ba5-rank0.pt", "ep2-ba10-rank0.pt", "latest-rank0.pt"}),
             boost::test_tools::per_element());
  const auto root = read_ckpt(dir / "full/ep1-ba10-rank0.pt");
  const auto callbacks = at_path(root, {"state", "callbacks"}).toGenericDict();
  BOOST_TEST(callbacks.contains("CheckpointSaver"));
  BOOST_TEST(callbacks.contains("CheckpointSaver#2"));
  BOOST_TEST(find_key(at_path(root, {"state"}), "optimizers") != nullptr);
  BOOST_TEST(find_key(read_ckpt(dir / "weights/ep2-ba10-rank0.pt"), "rng") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
