// Time strings ("10ep", "0.5dur", "1h30m"): Time::parse and the JSON form
// plugins' configs use (time_from_json). Oracles: only ConfigError escapes
// (anything else aborts as an uncaught exception), and a parsed time prints
// back to a string that parses to the same time. Messages quote the text as
// given, so they are not checked for being one line here.
#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "cairn/config.h"
#include "cairn/errors.h"
#include "cairn/time.h"
#include "fuzz_check.h"

namespace {

void check_round_trip(const cairn::Time& time) {
  const cairn::Time again = cairn::Time::parse(time.to_string());
  FUZZ_CHECK(again.unit() == time.unit(), time.to_string());
  if (time.unit() == cairn::TimeUnit::DURATION) {
    // Printed with 6 significant digits.
    FUZZ_CHECK(std::fabs(again.value() - time.value()) <= 1e-5 * std::max(1.0, std::fabs(time.value())),
               time.to_string());
  } else {
    FUZZ_CHECK(again.count() == time.count(), time.to_string());
    FUZZ_CHECK(time.count() >= 0, time.to_string());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    check_round_trip(cairn::Time::parse(text));
  } catch (const cairn::ConfigError& e) {
    FUZZ_CHECK(*e.what() != '\0', "an empty message");
  }
  // The same text as a JSON value: a string, or an integer counting epochs.
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_discarded()) {
    try {
      check_round_trip(cairn::time_from_json(json, cairn::TimeUnit::BATCH));
    } catch (const cairn::ConfigError& e) {
      FUZZ_CHECK(*e.what() != '\0', "an empty message");
    }
  }
  return 0;
}
