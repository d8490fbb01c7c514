// PartStream's bookkeeping with a protocol that records its calls: part
// sizes, the bound on parts in flight, receipts in part order whatever order
// parts finish in, the last-part flag, small streams sent whole, and what a
// failure or an uncommitted stream leaves (an abort, and an error that names
// the object). The S3 protocol on top is tested against moto and awscli in
// s3_stream_test.cpp.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "part_stream.h"
#include "s3_store.h"
#include "test_text.h"

using cairn::test::contains;

namespace {

struct Recorder {
  std::mutex lock;
  std::vector<std::pair<uint64_t, std::string>> parts;  // (number, bytes) as sent
  std::vector<bool> last_flags;
  std::string whole;
  bool whole_sent = false, started = false, aborted = false;
  std::vector<std::string> finished_receipts;
  uint64_t finished_total = 0;
  std::atomic<int> in_flight{0}, most_in_flight{0};
  uint64_t fail_part = 0;  // 0: none
};

s3store::PartProtocol protocol_for(Recorder& r, uint64_t part_size, uint64_t whole_below) {
  s3store::PartProtocol p;
  p.part_size = [part_size](uint64_t) { return part_size; };
  p.max_parts = 100;
  p.whole_below = whole_below;
  p.what = "upload of 'test://bucket/object'";
  p.too_many_parts_remedy = "raise the part size";
  p.send_whole = [&r](std::string& bytes) {
    r.whole = bytes;
    r.whole_sent = true;
  };
  p.start = [&r] { r.started = true; };
  p.send_part = [&r](uint64_t number, std::string& bytes, uint64_t, bool last) {
    const int now = ++r.in_flight;
    for (int seen = r.most_in_flight; now > seen && !r.most_in_flight.compare_exchange_weak(seen, now);) {
    }
    // Later parts finish first, so receipts must be put in order by number.
    std::this_thread::sleep_for(std::chrono::milliseconds(number % 2 ? 20 : 1));
    --r.in_flight;
    if (number == r.fail_part) throw cairn::TransientError("part " + std::to_string(number) + " failed: connection reset");
    std::lock_guard<std::mutex> guard(r.lock);
    r.parts.emplace_back(number, bytes);
    if (r.last_flags.size() < number) r.last_flags.resize(number);
    r.last_flags[number - 1] = last;
    return "receipt-" + std::to_string(number);
  };
  p.finish = [&r](const std::vector<std::string>& receipts, uint64_t total) {
    r.finished_receipts = receipts;
    r.finished_total = total;
  };
  p.abort = [&r] { r.aborted = true; };
  return p;
}

std::string pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(part_stream)

BOOST_AUTO_TEST_CASE(parts_go_out_in_bounded_flight_and_commit_in_order) {
  Recorder r;
  s3store::PartPool pool(8);
  const std::string data = pattern(10 * 1000 + 123);
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  {
    s3store::PartStream stream(protocol_for(r, 1000, 1500), pool, 3, data.size(),
                               [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); });
    // Writes of odd sizes that straddle part boundaries.
    for (size_t at = 0, step = 1; at < data.size(); at += step, step = step * 3 % 1777 + 1) {
      stream.write(data.data() + at, std::min(step, data.size() - at));
    }
    BOOST_TEST(stream.bytes_written() == data.size());
    stream.commit();
  }
  BOOST_TEST(r.started);
  BOOST_TEST(!r.aborted);
  BOOST_TEST(!r.whole_sent);
  BOOST_TEST(r.most_in_flight.load() <= 3);
  BOOST_TEST(r.most_in_flight.load() >= 2);  // parts really overlapped
  // The first part holds whole_below bytes, the rest part_size, the last the remainder.
  std::sort(r.parts.begin(), r.parts.end());
  std::string joined;
  for (size_t i = 0; i < r.parts.size(); ++i) {
    BOOST_TEST(r.parts[i].first == i + 1);
    const size_t expected = i == 0 ? 1500 : i + 1 < r.parts.size() ? 1000 : data.size() - 1500 - 1000 * (r.parts.size() - 2);
    BOOST_TEST(r.parts[i].second.size() == expected, "part " << i + 1);
    BOOST_TEST(r.last_flags[i] == (i + 1 == r.parts.size()));
    joined += r.parts[i].second;
  }
  BOOST_TEST((joined == data));
  BOOST_REQUIRE(r.finished_receipts.size() == r.parts.size());
  for (size_t i = 0; i < r.finished_receipts.size(); ++i) BOOST_TEST(r.finished_receipts[i] == "receipt-" + std::to_string(i + 1));
  BOOST_TEST(r.finished_total == data.size());
  BOOST_TEST(progress.back().first == data.size());
  BOOST_TEST(progress.back().second == data.size());
  BOOST_TEST(std::is_sorted(progress.begin(), progress.end()));
}

BOOST_AUTO_TEST_CASE(a_stream_ending_below_the_threshold_goes_up_whole) {
  for (const size_t size : {size_t(0), size_t(1), size_t(1499)}) {
    Recorder r;
    s3store::PartPool pool(2);
    const std::string data = pattern(size);
    s3store::PartStream stream(protocol_for(r, 1000, 1500), pool, 2, 0, {});
    stream.write(data.data(), data.size());
    stream.commit();
    BOOST_TEST(r.whole_sent);
    BOOST_TEST((r.whole == data));
    BOOST_TEST(!r.started);
    BOOST_TEST(r.parts.empty());
  }
}

BOOST_AUTO_TEST_CASE(a_stream_of_exactly_the_threshold_is_one_part) {
  Recorder r;
  s3store::PartPool pool(2);
  const std::string data = pattern(1500);
  s3store::PartStream stream(protocol_for(r, 1000, 1500), pool, 2, 0, {});
  stream.write(data.data(), data.size());
  stream.commit();
  BOOST_TEST(!r.whole_sent);
  BOOST_REQUIRE(r.parts.size() == 1u);
  BOOST_TEST(r.last_flags[0]);
  BOOST_TEST(r.finished_receipts.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_uncommitted_stream_aborts_and_a_small_one_sends_nothing) {
  Recorder r;
  s3store::PartPool pool(2);
  const std::string data = pattern(5000);
  {
    s3store::PartStream stream(protocol_for(r, 1000, 1000), pool, 2, 0, {});
    stream.write(data.data(), data.size());
  }
  BOOST_TEST(r.started);
  BOOST_TEST(r.aborted);
  BOOST_TEST(r.finished_receipts.empty());

  Recorder small;
  {
    s3store::PartStream stream(protocol_for(small, 1000, 1000), pool, 2, 0, {});
    stream.write(data.data(), 10);
  }
  BOOST_TEST(!small.started);
  BOOST_TEST(!small.whole_sent);
  BOOST_TEST(!small.aborted);  // nothing to abort
}

BOOST_AUTO_TEST_CASE(a_failed_part_fails_the_stream_with_its_cause_and_aborts) {
  Recorder r;
  r.fail_part = 2;
  s3store::PartPool pool(2);
  const std::string data = pattern(20'000);
  std::string error;
  {
    s3store::PartStream stream(protocol_for(r, 1000, 1000), pool, 2, 0, {});
    try {
      for (size_t at = 0; at < data.size(); at += 700) stream.write(data.data() + at, std::min<size_t>(700, data.size() - at));
      stream.commit();
    } catch (const cairn::TransientError& e) {
      error = e.what();
    }
    BOOST_TEST(contains(error, "part 2 failed: connection reset"), error);
    // The stream is spent: a second try says so instead of sending a broken object.
    const auto again = cairn::test::error_text<cairn::StoreError>([&] { stream.commit(); });
    BOOST_TEST(contains(again, "upload of 'test://bucket/object' failed: the stream was already committed or failed"), again);
  }
  BOOST_TEST(r.aborted);
  BOOST_TEST(r.finished_receipts.empty());
}

BOOST_AUTO_TEST_CASE(too_many_parts_is_refused_with_the_remedy) {
  Recorder r;
  s3store::PartPool pool(2);
  const std::string data = pattern(1000 * 100 + 1);
  s3store::PartStream stream(protocol_for(r, 1000, 1000), pool, 4, 0, {});
  const auto error = cairn::test::error_text<cairn::StoreError>([&] {
    stream.write(data.data(), data.size());
    stream.commit();
  });
  BOOST_TEST(contains(error, "needs more than 100 parts, the store's limit; raise the part size"), error);
}

BOOST_AUTO_TEST_CASE(stream_parts_grow_so_ten_thousand_hold_a_large_checkpoint) {
  BOOST_TEST(s3store::stream_part_size(8 << 20, 1) == uint64_t(8) << 20);
  BOOST_TEST(s3store::stream_part_size(8 << 20, 1000) == uint64_t(8) << 20);
  BOOST_TEST(s3store::stream_part_size(8 << 20, 1001) == uint64_t(16) << 20);
  uint64_t total = 0;
  for (uint64_t n = 1; n <= 10'000; ++n) total += s3store::stream_part_size(8 << 20, n);
  BOOST_TEST(total == uint64_t(55'000) * (8 << 20));
  BOOST_TEST(s3store::stream_part_size(8 << 20, 10'000) <= uint64_t(5) << 30);  // S3's largest part
}

BOOST_AUTO_TEST_SUITE_END()
