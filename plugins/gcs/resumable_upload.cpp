#include "resumable_upload.h"

#include <chrono>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "part_stream.h"

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

// "bytes FIRST-LAST/TOTAL", TOTAL "*" when unknown; "bytes */TOTAL" for a
// last chunk with nothing left in it.
std::string range_text(uint64_t first, uint64_t length, const std::string& total) {
  if (length == 0) return "bytes */" + total;
  return "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" + total;
}

}  // namespace

ResumableSession::ResumableSession(const GcsClient& client, std::string object_name, std::optional<uint64_t> total)
    : client_(client), object_name_(std::move(object_name)), total_(total) {}

void ResumableSession::fail(const std::string& problem) const {
  throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                          "upload of '" + client_.uri_of(object_name_) + "' failed: " + problem);
}

void ResumableSession::start() {
  GcsCall call{"upload (start resumable session)", object_name_, "POST", client_.upload_url("resumable", object_name_)};
  call.headers = {{"Content-Type", "application/json; charset=UTF-8"},
                  {"X-Upload-Content-Type", "application/octet-stream"}};
  if (total_) call.headers.emplace_back("X-Upload-Content-Length", std::to_string(*total_));
  call.body = http::RequestBody::memory(nlohmann::json{{"name", client_.key_of(object_name_)}}.dump());
  const http::Response response = client_.send(call);
  const std::string location = response.header("Location");
  if (location.rfind("http://", 0) != 0 && location.rfind("https://", 0) != 0) {
    fail("the resumable upload was started without a session URI (no Location header)");
  }
  session_ = location;
}

ResumableSession::Reply ResumableSession::read_reply(const http::Response& response, const std::string& step) const {
  Reply reply;
  if (response.status == 200 || response.status == 201) {
    reply.complete = true;
    reply.body = response.body;
    return reply;
  }
  const std::string range = response.header("Range");
  // The session cannot hold more than was sent (or than the file has).
  const uint64_t limit = total_ ? *total_ : sent_end_;
  if (!parse_range(range, reply.persisted) || reply.persisted > limit) {
    fail(step + " was answered with an unusable Range '" + client_.scrub(range) + "' (" + std::to_string(limit) +
         " bytes were sent)");
  }
  return reply;
}

ResumableSession::Reply ResumableSession::send_chunk(uint64_t offset, uint64_t length, bool final, uint64_t end,
                                                     const ChunkSource& source) {
  GcsCall call{"upload (bytes " + std::to_string(offset) + "-" + std::to_string(offset + length - 1) + ")",
               object_name_, "PUT", session_};
  call.session = true;
  const std::string total = total_ ? std::to_string(*total_) : final ? std::to_string(end) : "*";
  call.headers = {{"Content-Range", range_text(offset, length, total)}};
  // A stream's whole part is lent to the request, not copied; the rest of a
  // part the session kept only in part is copied (rare: after a failure).
  std::optional<s3store::Lent<std::string>> lent;
  if (source.part == nullptr) {
    call.body = http::RequestBody::file_range(source.fd, offset, length);
  } else if (offset == source.part_first && length == source.part->size()) {
    call.body = http::RequestBody::memory({});
    lent.emplace(*source.part, call.body.data);
  } else {
    call.body = http::RequestBody::memory(source.part->substr(offset - source.part_first, length));
  }
  call.also_ok = {308};
  sent_end_ = std::max(sent_end_, offset + length);
  cairn::RetryPolicy once = client_.settings().retry;
  once.max_attempts = 1;  // a failed chunk is followed by a status query, not re-sent blindly
  return read_reply(client_.send(call, once), "the chunk");
}

ResumableSession::Reply ResumableSession::query_status() {
  GcsCall call{"upload (status query)", object_name_, "PUT", session_};
  call.session = true;
  call.headers = {{"Content-Range", "bytes */" + (total_ ? std::to_string(*total_) : std::string("*"))}};
  call.body = http::RequestBody::memory("");
  call.also_ok = {308};
  return read_reply(client_.send(call), "the status query");
}

std::string ResumableSession::send(uint64_t first, uint64_t end, bool last, const ChunkSource& source, uint64_t chunk,
                                   const std::function<void(uint64_t)>& on_persisted) {
  const cairn::RetryPolicy& policy = client_.settings().retry;
  uint64_t confirmed = first;
  const auto advance_to = [&](uint64_t persisted) {
    if (persisted > confirmed && on_persisted) on_persisted(persisted - confirmed);
    confirmed = std::max(confirmed, persisted);
  };
  const auto completed = [&](Reply& reply) {
    if (!last) fail("the session completed at byte " + std::to_string(confirmed) + ", before the stream's end");
    advance_to(end);
    return std::move(reply.body);
  };
  // Failures in a row without progress, and when the first of them happened.
  int failures = 0;
  auto stalled_since = std::chrono::steady_clock::now();
  uint64_t offset = first;
  for (;;) {
    if (!last && offset >= end) return "";  // the session holds the whole range
    const uint64_t length = std::min(chunk, end - offset);
    Reply reply;
    bool failed = false;
    try {
      reply = send_chunk(offset, length, last && offset + length == end, end, source);
    } catch (const cairn::TransientError&) {
      failed = true;  // a reset, a 5xx, a refused token: ask what arrived
    }
    if (!failed && reply.complete) return completed(reply);
    if (failed || reply.persisted <= offset) {
      // No progress: back off as the retry policy says, then ask the session.
      if (failures == 0) stalled_since = std::chrono::steady_clock::now();
      ++failures;
      const auto pause = policy.wait_before(failures + 1, stalled_since);
      if (!pause) {
        throw cairn::TransientError("upload of '" + client_.uri_of(object_name_) + "' failed after " +
                                    std::to_string(failures) + " attempts without progress at byte " +
                                    std::to_string(offset) + (total_ ? " of " + std::to_string(*total_) : ""));
      }
      std::this_thread::sleep_for(*pause);
      reply = query_status();
      if (reply.complete) return completed(reply);
    }
    if (reply.persisted > offset) failures = 0;
    offset = reply.persisted;
    advance_to(offset);
  }
}

void ResumableSession::cancel() noexcept {
  if (session_.empty()) return;
  try {
    // GCS answers 499 once it has dropped the session: no retry either way.
    GcsCall call{"upload (cancel resumable session)", object_name_, "DELETE", session_};
    call.session = true;
    cairn::RetryPolicy once = client_.settings().retry;
    once.max_attempts = 1;
    client_.send(call, once);
  } catch (...) {
  }
}

}  // namespace gcsstore
