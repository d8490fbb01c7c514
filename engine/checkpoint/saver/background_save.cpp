#include "checkpoint/saver/background_save.h"

namespace cairn {
namespace {

bool ready(const std::shared_future<void>& future) {
  return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

std::chrono::duration<double> timed_wait(const std::shared_future<void>& future) {
  const auto started = std::chrono::steady_clock::now();
  future.wait();
  return std::chrono::steady_clock::now() - started;
}

}  // namespace

BackgroundSave::BackgroundSave(std::function<void()> finish_snapshot, std::function<void()> write)
    : snapshot_(snapshot_promise_.get_future().share()), finished_(finished_promise_.get_future().share()) {
  thread_ = std::thread([this, finish_snapshot = std::move(finish_snapshot), write = std::move(write)] {
    try {
      finish_snapshot();
    } catch (...) {
      // The trainer waiting on the snapshot must not get the error there, in
      // the middle of a batch: it goes on, and finish() reports it.
      snapshot_promise_.set_value();
      finished_promise_.set_exception(std::current_exception());
      return;
    }
    snapshot_promise_.set_value();
    try {
      write();
      finished_promise_.set_value();
    } catch (...) {
      finished_promise_.set_exception(std::current_exception());
    }
  });
}

BackgroundSave::~BackgroundSave() { thread_.join(); }

std::chrono::duration<double> BackgroundSave::wait_for_snapshot() { return timed_wait(snapshot_); }

bool BackgroundSave::snapshot_done() const { return ready(snapshot_); }

bool BackgroundSave::done() const { return ready(finished_); }

std::chrono::duration<double> BackgroundSave::wait() { return timed_wait(finished_); }

void BackgroundSave::rethrow_error() { finished_.get(); }

}  // namespace cairn
