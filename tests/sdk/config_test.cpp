// Plugin JSON config reading: errors name the owner and the field.
#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
