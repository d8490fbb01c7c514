// The store's part pool: the first failure stops the parts not yet started and
// is the error the caller sees, one pool bounds a store's parts however many
// callers share it, and a part that runs parts itself does not wait on itself.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "fake_s3_server.h"
#include "parallel_parts.h"
#include "s3_store.h"
#include "s3_test_support.h"
#include "test_text.h"

using cairn::test::contains;
using s3test::Reply;
using s3test::ReceivedRequest;

BOOST_AUTO_TEST_SUITE(s3_part_pool)

BOOST_AUTO_TEST_CASE(first_failure_skips_the_parts_not_started_and_is_rethrown) {
  s3store::PartPool pool(1);  // one thread: parts run in order, so which start is known
  std::vector<uint64_t> started;
  const auto text = cairn::test::error_text<std::runtime_error>([&] {
    pool.run(10, [&](uint64_t index) {
      started.push_back(index);
      if (index == 3) throw std::runtime_error("part 3: the real cause");
      if (index == 5) throw std::runtime_error("part 5 must not run");
    });
  });
  BOOST_TEST(text == "part 3: the real cause");
  BOOST_TEST(started == (std::vector<uint64_t>{0, 1, 2, 3}), boost::test_tools::per_element());
  // The pool is not spent by a failure.
  std::atomic<int> ran{0};
  pool.run(4, [&](uint64_t) { ++ran; });
  BOOST_TEST(ran == 4);
}

BOOST_AUTO_TEST_CASE(callers_sharing_a_pool_share_its_threads) {
  constexpr int kThreads = 3;
  s3store::PartPool pool(kThreads);
  std::atomic<int> running{0};
  int most = 0;
  std::mutex lock;
  std::set<std::thread::id> threads;
  const auto part = [&](uint64_t) {
    const int now = ++running;
    {
      std::lock_guard<std::mutex> guard(lock);
      most = std::max(most, now);
      threads.insert(std::this_thread::get_id());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --running;
  };
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) callers.emplace_back([&] { pool.run(12, part); });
  for (auto& caller : callers) caller.join();
  BOOST_TEST(most <= kThreads);
  BOOST_TEST(threads.size() <= static_cast<size_t>(kThreads));
}

BOOST_AUTO_TEST_CASE(a_part_running_parts_runs_them_itself) {
  s3store::PartPool pool(1);
  std::atomic<int> inner{0};
  pool.run(2, [&](uint64_t) { pool.run(3, [&](uint64_t) { ++inner; }); });
  BOOST_TEST(inner == 6);
}

// Through the store: a ranged GET refused mid-download stops the download with
// S3's own error, no later range is requested, and no file appears.
BOOST_AUTO_TEST_CASE(a_refused_range_fails_the_download_with_its_cause) {
  const std::string object = s3test::random_bytes(6 << 20, 4);
  s3test::FakeS3Server server([&](const ReceivedRequest& r) {
    if (r.method == "HEAD") return Reply{200, object};  // the fake sends the length, not the body
    if (r.header("Range") == "bytes=2097152-3145727") {
      return Reply{403, "<Error><Code>AccessDenied</Code><Message>range refused</Message></Error>"};
    }
    const std::string range = r.header("Range").substr(6);
    const uint64_t first = std::stoull(range.substr(0, range.find('-')));
    const uint64_t last = std::stoull(range.substr(range.find('-') + 1));
    return Reply{206, object.substr(first, last - first + 1),
                 {{"Content-Range", "bytes " + range + "/" + std::to_string(object.size())}}};
  });
  auto settings = s3test::loopback_settings(server.endpoint(), "bkt", "AKIDFAKE", "secret");
  settings.transfer.multipart_threshold = 1 << 20;
  settings.transfer.multipart_chunksize = 1 << 20;
  settings.transfer.max_concurrency = 1;  // ranges in order: the third is refused
  s3store::S3Store store(settings);
  s3test::TempDir dir;
  const auto text = cairn::test::error_text<cairn::AuthenticationError>([&] { store.download_object("o.bin", dir / "o.bin"); });
  BOOST_TEST(contains(text, "download (bytes 2097152-3145727) of 's3://bkt/o.bin' failed: HTTP 403 AccessDenied: range refused"),
             text);
  BOOST_TEST(server.requests().size() == 4u);  // HEAD and three ranges, not the six
  BOOST_TEST(!std::filesystem::exists(dir / "o.bin"));
  BOOST_TEST(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
