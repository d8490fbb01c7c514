// Callbacks that are also LoggerDestinations receive every metric the run logs
// and the files other callbacks hand to the logger (Composer's LoggerDestination).
#include <boost/test/unit_test.hpp>

#include "cairn/logger.h"
#include "cairn/destination_callback.h"
#include "cairn/state.h"
#include "fixtures.h"

namespace cairn::test {
namespace {

class RecordingDestination : public DestinationCallback {
 public:
  void on_event(Event event, State& state) override {
    // Another callback's file, passed through the run's logger.
    if (event == Event::FIT_END) state.logger->upload_file("remote/name.txt", "/tmp/local.txt", true);
  }
  void log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) override {
    for (const auto& [name, value] : metrics) seen.push_back(name + "@" + std::to_string(at.batch));
  }
  bool can_upload_files() const override { return true; }
  std::shared_ptr<const UploadReceipt> upload_file(const std::string& remote, const std::string& local, bool overwrite,
                                                   FileAfterUpload) override {
    uploads.push_back(remote + "<-" + local + (overwrite ? " overwrite" : ""));
    return nullptr;
  }
  std::vector<std::string> seen;
  std::vector<std::string> uploads;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(logger_destinations)

BOOST_AUTO_TEST_CASE(destination_callbacks_receive_metrics_and_files) {
  auto o = make_options("3ba");
  auto destination = std::make_shared<RecordingDestination>();
  o.callbacks.push_back({"", destination});
  Trainer trainer(std::move(o));
  trainer.fit();
  BOOST_TEST(destination->seen == (std::vector<std::string>{"loss/train@1", "loss/train@2", "loss/train@3"}),
             boost::test_tools::per_element());
  BOOST_TEST(destination->uploads == (std::vector<std::string>{"remote/name.txt<-/tmp/local.txt overwrite"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
