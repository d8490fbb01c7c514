// One checkpoint being written on its own thread while training goes on.
//
// The thread first finishes the snapshot (its deferred copies), which the
// trainer waits for before the next optimizer step, then writes the file and
// moves the latest pointer. Whatever either step throws is kept and rethrown,
// on the training thread, by wait() or finish().
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <thread>

namespace cairn {

class BackgroundSave {
 public:
  BackgroundSave(std::function<void()> finish_snapshot, std::function<void()> write);
  // Joins the thread (waiting for the write): a save is never abandoned midway.
  ~BackgroundSave();
  BackgroundSave(const BackgroundSave&) = delete;
  BackgroundSave& operator=(const BackgroundSave&) = delete;

  // Blocks until the snapshot is complete (or has failed; the failure is
  // reported by finish()). Returns the time spent waiting.
  std::chrono::duration<double> wait_for_snapshot();
  bool snapshot_done() const;
  // Whether the whole save is over, successfully or not.
  bool done() const;
  // Blocks until the save is over and returns the time spent waiting.
  std::chrono::duration<double> wait();
  // After done(): rethrows the save's error, if any.
  void rethrow_error();

 private:
  std::promise<void> snapshot_promise_;
  std::shared_future<void> snapshot_;
  std::promise<void> finished_promise_;
  std::shared_future<void> finished_;
  std::thread thread_;
};

}  // namespace cairn
