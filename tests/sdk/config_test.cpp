// Plugin JSON config reading: errors name the owner and the field.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <limits>
#include <vector>

#include "cairn/config.h"
#include "test_text.h"

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(reads_defaults_and_values) {
  cairn::Config cfg("model 'mlp'", nlohmann::json{{"hidden", 32}});
  BOOST_TEST(cfg.get<int>("hidden", 64) == 32);
  BOOST_TEST(cfg.get<double>("dropout", 0.5) == 0.5);
  cfg.finish();
  cairn::Config empty("model 'mlp'", nlohmann::json());
  BOOST_TEST(empty.get<int>("hidden", 64) == 64);
}

BOOST_AUTO_TEST_CASE(errors_name_owner_and_field) {
  const std::string wrong_type = cairn::test::error_text<cairn::ConfigError>([] {
    cairn::Config cfg("model 'mlp'", nlohmann::json{{"hidden", "big"}});
    cfg.get<int>("hidden", 64);
  });
  BOOST_TEST(wrong_type.find("model 'mlp'") != std::string::npos, wrong_type);
  BOOST_TEST(wrong_type.find("'hidden'") != std::string::npos, wrong_type);
  const std::string unknown = cairn::test::error_text<cairn::ConfigError>([] {
    cairn::Config cfg("dataset 'synthetic'", nlohmann::json{{"sampels", 10}});
    cfg.get<int>("samples", 256);
    cfg.finish();
  });
  BOOST_TEST(unknown.find("'sampels'") != std::string::npos, unknown);
  BOOST_TEST(unknown.find("samples") != std::string::npos, unknown);
  const std::string missing = cairn::test::error_text<cairn::ConfigError>([] {
    cairn::Config cfg("dataset 'csv'", nlohmann::json::object());
    cfg.require<std::string>("path");
  });
  BOOST_TEST(missing.find("'path' is required") != std::string::npos, missing);
  const std::string not_object = cairn::test::error_text<cairn::ConfigError>([] { cairn::Config cfg("model 'mlp'", nlohmann::json::array({1, 2})); });
  BOOST_TEST(not_object.find("must be a JSON object") != std::string::npos, not_object);
}

// A wrong type names the field, the type the field takes and what was given;
// numbers that do not fit the field (2.5 for an integer, true for a number,
// an integer past its range) are wrong types too rather than silently cut.
BOOST_AUTO_TEST_CASE(wrong_types_name_the_expected_type) {
  using cairn::test::contains;
  using cairn::test::error_text;
  struct Row {
    nlohmann::json value;
    std::function<void(cairn::Config&)> read;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"16", [](cairn::Config& c) { c.get<int64_t>("f", 1); }, "expected an integer, got the string \"16\""},
      {2.5, [](cairn::Config& c) { c.get<int64_t>("f", 1); }, "expected an integer, got the number 2.5"},
      {true, [](cairn::Config& c) { c.get<double>("f", 1.0); }, "expected a number, got true"},
      {1, [](cairn::Config& c) { c.get<bool>("f", false); }, "expected true or false, got the integer 1"},
      {32, [](cairn::Config& c) { c.get<std::vector<int64_t>>("f", {}); }, "expected a list of integers, got the integer 32"},
      {nlohmann::json::array({1, "x"}), [](cairn::Config& c) { c.get<std::vector<double>>("f", {}); },
       "expected a list of numbers"},
      {int64_t(1) << 40, [](cairn::Config& c) { c.get<int>("f", 1); }, "is out of range: expected an integer from"},
      {uint64_t(18446744073709551615ull), [](cairn::Config& c) { c.get<int64_t>("f", 1); },
       "is out of range: expected an integer from"},
      {7, [](cairn::Config& c) { c.require<std::string>("f"); }, "expected a string, got the integer 7"},
  };
  for (const auto& row : rows) {
    const std::string text = error_text<cairn::ConfigError>([&] {
      cairn::Config cfg("callback 'X'", nlohmann::json{{"f", row.value}});
      row.read(cfg);
    });
    BOOST_TEST(contains(text, "callback 'X'"), text);
    BOOST_TEST(contains(text, "'f'"), text);
    BOOST_TEST(contains(text, row.expected), text);
  }
  cairn::Config cfg("model 'm'", nlohmann::json{{"big", uint64_t(1) << 63}, {"list", {1, 2}}, {"x", 3}});
  BOOST_TEST(cfg.get<uint64_t>("big", 0) == uint64_t(1) << 63);
  BOOST_TEST(cfg.get<std::vector<int64_t>>("list", {}).size() == 2u);
  BOOST_TEST(cfg.get<double>("x", 0.0) == 3.0);
}

// Composer's Time.from_input: integers count the default unit, strings are
// time strings; overflowing integers are refused naming the field.
BOOST_AUTO_TEST_CASE(times_read_as_composer_reads_them) {
  using cairn::test::contains;
  cairn::Config cfg("callback 'X'", nlohmann::json{{"every", 3}, {"when", "10ba"}});
  BOOST_TEST(cfg.get_time("every", "1ep", cairn::TimeUnit::EPOCH).to_string() == "3ep");
  BOOST_TEST(cfg.get_time("when", "1ep", cairn::TimeUnit::EPOCH).to_string() == "10ba");
  BOOST_TEST(cfg.get_time("absent", "2ep", cairn::TimeUnit::EPOCH).to_string() == "2ep");
  for (const nlohmann::json& bad : {nlohmann::json(uint64_t(18446744073709551615ull)),
                                    nlohmann::json(std::numeric_limits<int64_t>::max()), nlohmann::json("1e30ba"),
                                    nlohmann::json(2.5), nlohmann::json(true)}) {
    const std::string text = cairn::test::error_text<cairn::ConfigError>([&] {
      cairn::Config c("callback 'X'", nlohmann::json{{"every", bad}});
      c.get_time("every", "1ep", cairn::TimeUnit::EPOCH);
    });
    BOOST_TEST(contains(text, "'every'"), text);
  }
}

BOOST_AUTO_TEST_SUITE_END()
