// The background upload pipeline behind the RemoteUploaderDownloader.
//
// enqueue() stages the file (see staging_folder.h) and returns at once; a pool
// of `num_concurrent_uploads` Boost.Asio workers uploads it, retrying
// TransientErrors, and confirms each upload by asking the store for the
// object's size (a store that answered "OK" but holds nothing, or a short
// object, counts as a transient failure and is retried).
//
// Ordering rules, so that a reader never sees a pointer to a partial checkpoint:
//  - uploads of one object name run one after the other, in enqueue order, so
//    the last version handed over is the one that lands (Composer's RUD);
//  - an object whose name ends in ".symlink" is a "latest" pointer whose
//    content is the name of its target. It is uploaded only after the target's
//    upload (when queued here) succeeded and the target is present remotely;
//    if the target's upload finally failed, the pointer is not published.
//
// Failures are final only after the retries: wait() returns each one once,
// with the object, the number of attempts and the store's own error text. A
// failure a retry fixed is reported as an info message, not a failure.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "cairn/errors.h"
#include "cairn/logger_destination.h"
#include "cairn/object_store.h"
#include "remote/retry.h"
#include "remote/staging_folder.h"

namespace cairn {

struct UploadSettings {
  int num_concurrent_uploads = 1;
  RetryPolicy retry;
  std::string staging_folder;  // empty: a temporary folder
};

// What the caller keeps to learn how its upload ended.
class UploadTicket : public UploadReceipt {
 public:
  Status status() const override;
  Status wait() const override;
  std::string failure() const override;
  const std::string& object_name() const { return object_name_; }

 private:
  friend class UploadQueue;
  explicit UploadTicket(std::string name) : object_name_(std::move(name)) {}
  void end(bool succeeded, const std::string& failure);

  std::string object_name_;
  mutable std::mutex mutex_;
  mutable std::condition_variable ended_;
  Status status_ = Status::kPending;
  std::string failure_;
};

struct UploadFailure {
  std::string object_name;
  StoreErrorKind kind = StoreErrorKind::kOther;  // of the last error
  std::string cause;  // one line: operation, object, attempts, the store's error
};

class UploadQueue {
 public:
  // `stores`: one store per worker plus one for the caller's thread, opened by
  // the caller (store objects are not shared between threads).
  UploadQueue(std::vector<std::shared_ptr<ObjectStore>> stores, UploadSettings settings);
  // Waits for every upload, then stops the workers.
  ~UploadQueue();
  UploadQueue(const UploadQueue&) = delete;
  UploadQueue& operator=(const UploadQueue&) = delete;

  // Stages `local_path` (see staging_folder.h for `staging`) and queues its
  // upload as `object_name`. With `overwrite` false, an object of that name
  // already in the store, or already queued, throws AlreadyExistsError before
  // anything is staged or uploaded.
  std::shared_ptr<const UploadTicket> enqueue(const std::string& object_name, const std::string& local_path,
                                              bool overwrite,
                                              StagingFolder::Mode staging = StagingFolder::Mode::kCopy);

  // Blocks until nothing is queued or running; returns the failures not yet
  // returned by an earlier call.
  std::vector<UploadFailure> wait();
  // What the workers have to say, not yet taken, for the caller to log on its
  // own thread: retries and their outcome (info), final failures (warnings).
  struct Message {
    bool warning;
    std::string text;
  };
  std::vector<Message> take_messages();
  // True when an upload failed for lack of credentials or permission since the
  // last wait(): every later upload will fail the same way.
  bool has_authentication_failure() const;

  // The store for the caller's thread (existence checks, downloads).
  ObjectStore& caller_store() { return *caller_store_; }
  const UploadSettings& settings() const { return settings_; }

 private:
  struct Job;
  void run(const std::shared_ptr<Job>& job);
  void upload_with_retries(ObjectStore& store, Job& job);
  void finish(const std::shared_ptr<Job>& job, bool succeeded, StoreErrorKind kind, const std::string& cause);
  bool remote_exists(const std::string& object_name);

  UploadSettings settings_;
  StagingFolder staging_;
  std::shared_ptr<ObjectStore> caller_store_;

  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::vector<std::shared_ptr<ObjectStore>> free_stores_;
  // The newest job of each name, finished or not: same-name ordering and
  // pointer targets are looked up here.
  std::map<std::string, std::shared_ptr<Job>> newest_by_name_;
  size_t unfinished_ = 0;
  std::vector<UploadFailure> failures_;
  std::vector<Message> messages_;

  // Last member: destroyed (joined) first, while the rest is still alive.
  boost::asio::thread_pool pool_;
};

}  // namespace cairn
