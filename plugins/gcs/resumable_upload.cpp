#include "resumable_upload.h"

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"

namespace gcsstore {

namespace http = cairn::http;

namespace {

// "bytes=0-N" -> N + 1; no Range header: nothing persisted.
bool parse_range(const std::string& header, uint64_t& persisted) {
  persisted = 0;
  if (header.empty()) return true;
  const std::string prefix = "bytes=0-";
  if (header.compare(0, prefix.size(), prefix) != 0) return false;
  const std::string last = header.substr(prefix.size());
  if (last.empty() || last.find_first_not_of("0123456789") != std::string::npos) return false;
  persisted = std::stoull(last) + 1;
  return true;
}

std::string range_text(uint64_t first, uint64_t length, uint64_t total) {
  return "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" + std::to_string(total);
}

}  // namespace

ResumableUpload::ResumableUpload(const GcsClient& client, const std::string& object_name, int fd, uint64_t size,
                                 s3store::PartProgress& progress)
    : client_(client), object_name_(object_name), fd_(fd), size_(size), progress_(progress) {}

std::string ResumableUpload::start_session() {
  GcsCall call{"upload (start resumable session)", object_name_, "POST", client_.upload_url("resumable", object_name_)};
  call.headers = {{"Content-Type", "application/json; charset=UTF-8"},
                  {"X-Upload-Content-Type", "application/octet-stream"},
                  {"X-Upload-Content-Length", std::to_string(size_)}};
  call.body = http::RequestBody::memory(nlohmann::json{{"name", client_.key_of(object_name_)}}.dump());
  const http::Response response = client_.send(call);
  const std::string location = response.header("Location");
  if (location.rfind("http://", 0) != 0 && location.rfind("https://", 0) != 0) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "upload of '" + client_.uri_of(object_name_) +
                                                               "' failed: the resumable upload was started without a "
                                                               "session URI (no Location header)");
  }
  return location;
}

ResumableUpload::Reply ResumableUpload::read_reply(const http::Response& response, const std::string& step) const {
  Reply reply;
  if (response.status == 200 || response.status == 201) {
    reply.complete = true;
    reply.body = response.body;
    return reply;
  }
  const std::string range = response.header("Range");
  if (!parse_range(range, reply.persisted) || reply.persisted > size_) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            "upload of '" + client_.uri_of(object_name_) + "' failed: " + step +
                                " was answered with an unusable Range '" + client_.scrub(range) + "' (the file has " +
                                std::to_string(size_) + " bytes)");
  }
  return reply;
}

ResumableUpload::Reply ResumableUpload::send_chunk(uint64_t offset, uint64_t length) {
  GcsCall call{"upload (bytes " + std::to_string(offset) + "-" + std::to_string(offset + length - 1) + ")",
               object_name_, "PUT", session_};
  call.session = true;
  call.headers = {{"Content-Range", range_text(offset, length, size_)}};
  call.body = http::RequestBody::file_range(fd_, offset, length);
  call.also_ok = {308};
  cairn::RetryPolicy once = client_.settings().retry;
  once.max_attempts = 1;  // a failed chunk is followed by a status query, not re-sent blindly
  return read_reply(client_.send(call, once), "the chunk");
}

ResumableUpload::Reply ResumableUpload::query_status() {
  GcsCall call{"upload (status query)", object_name_, "PUT", session_};
  call.session = true;
  call.headers = {{"Content-Range", "bytes */" + std::to_string(size_)}};
  call.body = http::RequestBody::memory("");
  call.also_ok = {308};
  return read_reply(client_.send(call), "the status query");
}

void ResumableUpload::advance_to(uint64_t persisted) {
  if (persisted > confirmed_) {
    progress_.add(persisted - confirmed_);
    confirmed_ = persisted;
  }
}

std::string ResumableUpload::run() {
  session_ = start_session();
  const uint64_t chunk = client_.settings().chunk_size;
  const cairn::RetryPolicy& policy = client_.settings().retry;
  // Failures in a row without progress, and when the first of them happened.
  int failures = 0;
  auto stalled_since = std::chrono::steady_clock::now();
  uint64_t offset = 0;
  for (;;) {
    Reply reply;
    const uint64_t length = std::min(chunk, size_ - offset);
    bool failed = false;
    try {
      reply = send_chunk(offset, length);
    } catch (const cairn::TransientError&) {
      failed = true;  // a reset, a 5xx, a refused token: ask what arrived
    }
    if (!failed && reply.complete) {
      advance_to(size_);
      return reply.body;
    }
    if (failed || reply.persisted <= offset) {
      // No progress: back off as the retry policy says, then ask the session.
      if (failures == 0) stalled_since = std::chrono::steady_clock::now();
      ++failures;
      const auto pause = policy.wait_before(failures + 1, stalled_since);
      if (!pause) {
        throw cairn::TransientError("upload of '" + client_.uri_of(object_name_) + "' failed after " +
                                    std::to_string(failures) + " attempts without progress at byte " +
                                    std::to_string(offset) + " of " + std::to_string(size_));
      }
      std::this_thread::sleep_for(*pause);
      reply = query_status();
      if (reply.complete) {
        advance_to(size_);
        return reply.body;
      }
    }
    if (reply.persisted > offset) failures = 0;
    offset = reply.persisted;
    advance_to(offset);
  }
}

}  // namespace gcsstore
