// Saver construction: defaults, JSON config, and scenario 10 (a file name
// whose compressor does not exist fails when the saver is built).
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "saver_fixtures.h"

using namespace cairn;
using namespace cairn::test;

namespace {

bool message_has(const ConfigError& e, const std::string& text) {
  return std::string(e.what()).find(text) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(saver_options)

BOOST_AUTO_TEST_CASE(defaults_match_composer) {
  const CheckpointSaverOptions o;
  BOOST_TEST(o.folder == "{run_name}/checkpoints");
  BOOST_TEST(o.filename == "ep{epoch}-ba{batch}-rank{rank}.pt");
  BOOST_TEST(o.latest_filename.value_or("") == "latest-rank{rank}.pt");
  BOOST_TEST((std::get<Time>(o.save_interval) == Time(1, TimeUnit::EPOCH)));
  BOOST_TEST(!o.overwrite);
  BOOST_TEST(o.num_checkpoints_to_keep == -1);
  BOOST_TEST(!o.weights_only);
  BOOST_TEST(o.ignore_keys.empty());
  const CheckpointSaverOptions from_empty = CheckpointSaverOptions::from_json(nlohmann::json::object());
  BOOST_TEST(from_empty.folder == o.folder);
  BOOST_TEST((std::get<Time>(from_empty.save_interval) == Time(1, TimeUnit::EPOCH)));
}

BOOST_AUTO_TEST_CASE(json_fields_use_composer_names) {
  const auto o = CheckpointSaverOptions::from_json(nlohmann::json::parse(R"({
      "folder": "out/{run_name}", "filename": "ba{batch}.pt.gz", "latest_filename": null,
      "save_interval": "500ba", "overwrite": true, "num_checkpoints_to_keep": 3,
      "weights_only": true, "ignore_keys": ["rng", "state/callbacks/*"]})"));
  BOOST_TEST(o.folder == "out/{run_name}");
  BOOST_TEST(o.filename == "ba{batch}.pt.gz");
  BOOST_TEST(!o.latest_filename.has_value());
  BOOST_TEST((std::get<Time>(o.save_interval) == Time(500, TimeUnit::BATCH)));
  BOOST_TEST(o.overwrite);
  BOOST_TEST(o.num_checkpoints_to_keep == 3);
  BOOST_TEST(o.weights_only);
  BOOST_TEST(o.ignore_keys == (std::vector<std::string>{"rng", "state/callbacks/*"}), boost::test_tools::per_element());

  const auto epochs = CheckpointSaverOptions::from_json(nlohmann::json::parse(R"({"save_interval": 2})"));
  BOOST_TEST((std::get<Time>(epochs.save_interval) == Time(2, TimeUnit::EPOCH)));
}

BOOST_AUTO_TEST_CASE(json_errors_name_the_field) {
  auto fails_naming = [](const char* text, const std::string& field) {
    try {
      CheckpointSaverOptions::from_json(nlohmann::json::parse(text));
    } catch (const ConfigError& e) {
      return message_has(e, field);
    }
    return false;
  };
  BOOST_TEST(fails_naming(R"({"folder": 3})", "'folder'"));
  BOOST_TEST(fails_naming(R"({"save_interval": "5 bananas"})", "'save_interval'"));
  BOOST_TEST(fails_naming(R"({"save_interval": 1.5})", "'save_interval'"));
  BOOST_TEST(fails_naming(R"({"latest_filename": false})", "'latest_filename'"));
  BOOST_TEST(fails_naming(R"({"num_checkpoints_to_keep": "all"})", "'num_checkpoints_to_keep'"));
  BOOST_TEST(fails_naming(R"({"num_checkpoints_to_keep": 2.5})", "'num_checkpoints_to_keep'"));
  BOOST_TEST(fails_naming(R"({"ignore_keys": "rng"})", "'ignore_keys'"));
  BOOST_TEST(fails_naming(R"({"ignore_keys": [1]})", "'ignore_keys'"));
  BOOST_TEST(fails_naming(R"({"overwrite": "yes"})", "'overwrite'"));
  BOOST_TEST(fails_naming(R"({"save_folder": "x"})", "'save_folder'"));  // a Trainer name, not a saver one
  BOOST_CHECK_THROW(CheckpointSaverOptions::from_json(nlohmann::json::array()), ConfigError);
}

// Scenario 10.
BOOST_AUTO_TEST_CASE(unknown_compressor_fails_at_construction) {
  CheckpointSaverOptions o;
  o.filename = "foo.pt.unknown_compressor";
  BOOST_CHECK_EXCEPTION(CheckpointSaver{o}, ConfigError,
                        [](const ConfigError& e) { return message_has(e, "foo.pt.unknown_compressor"); });
  CheckpointSaverOptions latest;
  latest.latest_filename = std::string("latest.pt.nope");
  BOOST_CHECK_EXCEPTION(CheckpointSaver{latest}, ConfigError,
                        [](const ConfigError& e) { return message_has(e, "latest.pt.nope"); });
  CheckpointSaverOptions tar;
  tar.filename = "ep{epoch}.tar.unknownalgorithm";
  BOOST_CHECK_THROW(CheckpointSaver{tar}, ConfigError);
  CheckpointSaverOptions fine;
  fine.filename = "ep{epoch}.pt.gz";
  BOOST_CHECK_NO_THROW(CheckpointSaver{fine});
}

BOOST_AUTO_TEST_CASE(leading_slashes_are_stripped_from_names) {
  CheckpointSaverOptions o;
  o.filename = "/ep{epoch}.pt";
  o.latest_filename = std::string("//latest.pt");
  CheckpointSaver saver(o);
  BOOST_TEST(saver.options().filename == "ep{epoch}.pt");
  BOOST_TEST(saver.options().latest_filename.value() == "latest.pt");
  State state = make_state("r", "1ep", 5);
  state.run_name = "run";
  BOOST_TEST(saver.formatted_latest_path(state).value() == "run/checkpoints/latest.pt");
  BOOST_TEST(saver.formatted_folder(state) == "run/checkpoints");
}

BOOST_AUTO_TEST_CASE(saving_without_an_assembler_is_an_error) {
  TempDir dir;
  CheckpointSaverOptions o;
  o.folder = dir.path().string();
  CheckpointSaver saver(o);
  State state = make_state("r", "1ep", 5);
  BOOST_CHECK_THROW(saver.save_checkpoint(state), CheckpointError);
}

BOOST_AUTO_TEST_SUITE_END()
