// Time strings as Composer parses them (Appendix A of the inventory).
#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "cairn/time.h"

using cairn::Time;
using cairn::TimeUnit;

BOOST_AUTO_TEST_SUITE(time_strings)

BOOST_AUTO_TEST_CASE(units_and_values) {
  struct Row {
    const char* text;
    double value;
    TimeUnit unit;
  };
  for (const Row& r : {Row{"10ep", 10, TimeUnit::EPOCH}, Row{"500ba", 500, TimeUnit::BATCH}, Row{"64sp", 64, TimeUnit::SAMPLE},
                       Row{"3e4tok", 30000, TimeUnit::TOKEN}, Row{"0.25dur", 0.25, TimeUnit::DURATION},
                       Row{"2iter", 2, TimeUnit::ITERATION}, Row{"90sec", 90, TimeUnit::SECOND}, Row{"10EP", 10, TimeUnit::EPOCH},
                       Row{" 5 ba ", 5, TimeUnit::BATCH}, Row{"1h30m", 5400, TimeUnit::SECOND}, Row{"10m", 600, TimeUnit::SECOND},
                       Row{"45s", 45, TimeUnit::SECOND}, Row{"1h2m3s", 3723, TimeUnit::SECOND}}) {
    const Time t = Time::parse(r.text);
    BOOST_TEST(t.value() == r.value, r.text);
    BOOST_TEST(int(t.unit()) == int(r.unit), r.text);
  }
  BOOST_TEST(Time::parse("0.5dur").to_string() == "0.5dur");
  BOOST_TEST(Time::parse("7ba").to_string() == "7ba");
}

BOOST_AUTO_TEST_CASE(invalid_strings_name_the_string) {
  for (const char* bad : {"", "10", "ep", "10xyz", "1.5ep", "-3ba", "abcba", "90m", "nanep", "10ep5"}) {
    try {
      Time::parse(bad);
      BOOST_FAIL("'" << bad << "' must be rejected");
    } catch (const cairn::ConfigError& e) {
      BOOST_TEST(std::string(e.what()).find("'" + std::string(bad) + "'") != std::string::npos, e.what());
    }
  }
}

// A count past 2^63 used to wrap to a negative number (and past 2^53 it is no
// longer exact): a run with such a max_duration never ended.
BOOST_AUTO_TEST_CASE(counts_too_large_to_hold_are_refused) {
  for (const char* bad : {"99999999999999999999999ep", "9223372036854775808ba", "1e30ba", "1e300sp", "9007199254740994tok",
                          "1e20dur", "99999999999999999999h"}) {
    try {
      Time::parse(bad);
      BOOST_FAIL("'" << bad << "' must be rejected");
    } catch (const cairn::ConfigError& e) {
      BOOST_TEST(std::string(e.what()).find("'" + std::string(bad) + "'") != std::string::npos, e.what());
    }
  }
  BOOST_TEST(Time::parse("9007199254740992ba").count() == int64_t(9007199254740992));
}

BOOST_AUTO_TEST_CASE(timestamp_counters_advance) {
  cairn::Timestamp ts;
  ts.to_next_batch(4, 64, 0.5);
  ts.to_next_batch(4, 64, 0.25);
  BOOST_TEST(ts.batch == 2);
  BOOST_TEST(ts.sample_in_epoch == 8);
  BOOST_TEST(ts.token == 128);
  BOOST_TEST(ts.get(TimeUnit::SECOND) == 0);
  BOOST_TEST(ts.batch_wct == 0.25);
  ts.to_next_epoch();
  BOOST_TEST(ts.epoch == 1);
  BOOST_TEST(ts.batch_in_epoch == 0);
  BOOST_TEST(ts.batch == 2);
  BOOST_CHECK_THROW(ts.get(TimeUnit::DURATION), cairn::ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
