#include "remote/upload_queue.h"

#include <filesystem>

#include <boost/asio/post.hpp>

#include "cairn/errors.h"
#include "checkpoint/io/latest_pointer.h"
#include "checkpoint/fetch/sharded_download.h"
#include "core/one_line.h"

namespace cairn {
namespace fs = std::filesystem;

namespace {

bool object_exists(ObjectStore& store, const std::string& name) {
  try {
    store.get_object_size(name);
    return true;
  } catch (const NotFoundError&) {
    return false;
  }
}

// A pointer's target: a checkpoint object, or a complete sharded folder.
bool target_is_in_store(ObjectStore& store, const std::string& target) {
  return object_exists(store, target) || is_remote_sharded_folder(store, target);
}

}  // namespace

UploadReceipt::Status UploadTicket::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

UploadReceipt::Status UploadTicket::wait() const {
  std::unique_lock<std::mutex> lock(mutex_);
  ended_.wait(lock, [this] { return status_ != Status::kPending; });
  return status_;
}

std::string UploadTicket::failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

void UploadTicket::end(bool succeeded, const std::string& failure) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = succeeded ? Status::kConfirmed : Status::kFailed;
    failure_ = succeeded ? std::string() : failure;
  }
  ended_.notify_all();
}

struct UploadQueue::Job {
  std::string object_name;
  std::string staged_path;
  uint64_t size = 0;
  std::string pointer_target;  // non-empty for ".symlink" pointers
  std::shared_ptr<UploadTicket> ticket;
  bool finished = false;
  bool succeeded = false;
  std::string failure;

  // Guarded by the queue's mutex.
  int unfinished_dependencies = 0;
  std::string blocked_by;  // a required dependency that failed: why this job cannot run
  struct Dependent {
    std::shared_ptr<Job> job;
    bool requires_success;  // a pointer's target; plain ordering otherwise
  };
  std::vector<Dependent> dependents;
};

UploadQueue::UploadQueue(std::vector<std::shared_ptr<ObjectStore>> stores, UploadSettings settings)
    : settings_(std::move(settings)),
      staging_(settings_.staging_folder),
      pool_(size_t(std::max(1, settings_.num_concurrent_uploads))) {
  if (stores.size() < size_t(settings_.num_concurrent_uploads) + 1) {
    throw Error("UploadQueue needs one store per worker plus one for the caller");
  }
  caller_store_ = stores.back();
  stores.pop_back();
  free_stores_ = std::move(stores);
}

UploadQueue::~UploadQueue() {
  wait();
  pool_.join();
}

bool UploadQueue::remote_exists(const std::string& object_name) {
  bool exists = false;
  run_with_retries(settings_.retry, [&](int) { exists = object_exists(*caller_store_, object_name); });
  return exists;
}

std::shared_ptr<const UploadTicket> UploadQueue::enqueue(const std::string& object_name, const std::string& local_path,
                                                         bool overwrite, StagingFolder::Mode staging) {
  if (!overwrite) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto queued = newest_by_name_.find(object_name);
      if (queued != newest_by_name_.end() && !queued->second->finished) {
        throw AlreadyExistsError("object '" + caller_store_->get_uri(object_name) +
                                 "' is already queued for upload and overwrite is off; give each upload its own name "
                                 "or set overwrite (save_overwrite)");
      }
    }
    // Checked now, on the caller's thread, so that the refusal comes before
    // anything of this upload reaches the store.
    if (remote_exists(object_name)) {
      throw AlreadyExistsError("object '" + caller_store_->get_uri(object_name) +
                               "' already exists and overwrite is off; delete it, choose another folder or name, or "
                               "set save_overwrite (overwrite) to replace it");
    }
  }

  auto job = std::make_shared<Job>();
  job->object_name = object_name;
  job->staged_path = staging_.stage(local_path, staging);
  std::error_code ec;
  job->size = fs::file_size(job->staged_path, ec);
  if (checkpoint::is_pointer_name(object_name)) {
    job->pointer_target = checkpoint::read_pointer_file(job->staged_path);
    if (job->pointer_target.empty()) {
      fs::remove(job->staged_path, ec);
      throw Error("pointer '" + object_name + "' handed for upload is empty; it must hold the name of its target");
    }
  }
  job->ticket = std::shared_ptr<UploadTicket>(new UploadTicket(object_name));

  std::lock_guard<std::mutex> lock(mutex_);
  auto depend_on = [&](const std::string& name, bool requires_success) {
    const auto found = newest_by_name_.find(name);
    if (found == newest_by_name_.end()) return;
    Job& earlier = *found->second;
    if (!earlier.finished) {
      earlier.dependents.push_back({job, requires_success});
      ++job->unfinished_dependencies;
    } else if (requires_success && !earlier.succeeded) {
      job->blocked_by = earlier.failure;
    }
  };
  depend_on(object_name, false);
  if (!job->pointer_target.empty()) {
    // The target is one checkpoint object, or a sharded folder, whose
    // .metadata is uploaded last: whichever of them is queued.
    depend_on(job->pointer_target, true);
    depend_on(sharded_metadata_object(job->pointer_target), true);
  }
  newest_by_name_[object_name] = job;
  ++unfinished_;
  if (job->unfinished_dependencies == 0) boost::asio::post(pool_, [this, job] { run(job); });
  return job->ticket;
}

void UploadQueue::upload_with_retries(ObjectStore& store, Job& job) {
  int last_attempt = 0;
  run_with_retries(
      settings_.retry,
      [&](int attempt) {
        last_attempt = attempt;
        if (!job.pointer_target.empty()) {
          // The target may come from an earlier run, or its upload may have
          // been queued elsewhere: its presence is what matters.
          if (!target_is_in_store(store, job.pointer_target)) {
            throw NotFoundError("its target '" + store.get_uri(job.pointer_target) + "' is not in the store");
          }
        }
        store.upload_object(job.object_name, job.staged_path);
        uint64_t landed = 0;
        try {
          landed = store.get_object_size(job.object_name);
        } catch (const NotFoundError&) {
          throw TransientError("the store reported the upload as done, but the object is missing");
        }
        if (landed != job.size) {
          throw TransientError("the store holds " + std::to_string(landed) + " bytes after the upload of " +
                               std::to_string(job.size));
        }
      },
      [&](int attempt, const std::string& cause) {
        std::lock_guard<std::mutex> lock(mutex_);
        messages_.push_back({false, "upload of '" + store.get_uri(job.object_name) + "' failed (attempt " +
                            std::to_string(attempt + 1) + " of " + std::to_string(settings_.retry.max_attempts) +
                                        "), retrying: " + one_line(cause)});
      });
  if (last_attempt > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    messages_.push_back({false, "upload of '" + store.get_uri(job.object_name) + "' succeeded at attempt " +
                                    std::to_string(last_attempt + 1)});
  }
}

void UploadQueue::run(const std::shared_ptr<Job>& job) {
  std::string blocked_by;
  std::shared_ptr<ObjectStore> store;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    blocked_by = job->blocked_by;
    store = free_stores_.back();
    free_stores_.pop_back();
  }
  bool succeeded = false;
  StoreErrorKind kind = StoreErrorKind::kOther;
  std::string cause;
  if (!blocked_by.empty()) {
    cause = "pointer '" + store->get_uri(job->object_name) + "' was not published because the upload of its target '" +
            job->pointer_target + "' failed";
  } else {
    try {
      upload_with_retries(*store, *job);
      succeeded = true;
    } catch (const TransientError& e) {
      kind = e.kind();
      cause = "upload of '" + store->get_uri(job->object_name) + "' failed after " +
              std::to_string(settings_.retry.max_attempts) + " attempt(s): " + one_line(e.what());
    } catch (const StoreError& e) {
      kind = e.kind();
      cause = (job->pointer_target.empty() ? "upload of '" : "pointer '") + store->get_uri(job->object_name) +
              (job->pointer_target.empty() ? "' failed: " : "' was not published: ") + one_line(e.what());
    } catch (const std::exception& e) {
      cause = (job->pointer_target.empty() ? "upload of '" : "pointer '") + store->get_uri(job->object_name) +
              (job->pointer_target.empty() ? "' failed: " : "' was not published: ") + one_line(e.what());
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_stores_.push_back(store);
  }
  std::error_code ec;
  fs::remove(job->staged_path, ec);
  finish(job, succeeded, kind, cause);
}

void UploadQueue::finish(const std::shared_ptr<Job>& job, bool succeeded, StoreErrorKind kind, const std::string& cause) {
  job->ticket->end(succeeded, cause);
  std::vector<std::shared_ptr<Job>> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job->finished = true;
    job->succeeded = succeeded;
    job->failure = cause;
    if (!succeeded) {
      failures_.push_back({job->object_name, kind, cause});
      messages_.push_back({true, cause});
    }
    for (auto& dependent : job->dependents) {
      if (dependent.requires_success && !succeeded) dependent.job->blocked_by = cause;
      if (--dependent.job->unfinished_dependencies == 0) ready.push_back(dependent.job);
    }
    job->dependents.clear();
    // Dependents are posted before this job counts as finished, so wait()
    // cannot see an idle queue between the two.
    for (auto& next : ready) boost::asio::post(pool_, [this, next] { run(next); });
    --unfinished_;
  }
  idle_.notify_all();
}

std::vector<UploadFailure> UploadQueue::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return unfinished_ == 0; });
  std::vector<UploadFailure> out;
  out.swap(failures_);
  return out;
}

std::vector<UploadQueue::Message> UploadQueue::take_messages() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Message> out;
  out.swap(messages_);
  return out;
}

bool UploadQueue::has_authentication_failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& f : failures_) {
    if (f.kind == StoreErrorKind::kAuthentication) return true;
  }
  return false;
}

}  // namespace cairn
