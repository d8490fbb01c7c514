// A resumable upload session (GCS JSON API, uploadType=resumable), as
// Google's protocol has it, for both a file (its size known before the first
// byte) and a stream (its size known only with its last chunk):
//   1. POST .../o?uploadType=resumable with the object's metadata (and, for a
//      file, X-Upload-Content-Length): the answer's Location is the session URI;
//   2. PUT the bytes in order, in chunks that are multiples of 256 KiB but the
//      last, each with "Content-Range: bytes FIRST-LAST/TOTAL", TOTAL being
//      "*" while a stream's size is unknown (its last chunk names it, or is
//      "bytes */TOTAL" when nothing is left to send). GCS answers 308 with
//      "Range: bytes=0-N" (what it has persisted, possibly less than was sent)
//      until the last chunk, which it answers 200 or 201 with the object's
//      metadata;
//   3. after a chunk fails (a reset, a timeout, 408, 429, 5xx), ask the
//      session how much it has ("PUT, Content-Range: bytes */TOTAL" or
//      "bytes */*", empty body: 308 with or without Range, or 200/201 when it
//      is complete) and go on from there, with backoff between failures;
//   4. a stream given up: DELETE the session URI, so GCS drops what it holds.
// A session that is gone (404, 410) fails the upload as transient: the
// caller's retry starts a new one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "gcs_client.h"

namespace gcsstore {

// Where the bytes of a chunk are: in a file, at their offsets in the object;
// or in one part of a stream, held in memory, that starts at byte
// `part_first` of the object.
struct ChunkSource {
  int fd = -1;
  std::string* part = nullptr;
  uint64_t part_first = 0;
};

class ResumableSession {
 public:
  // `total`: the object's size when known before the first byte (a file),
  // nullopt for a stream.
  ResumableSession(const GcsClient& client, std::string object_name, std::optional<uint64_t> total);

  // Opens the session (step 1).
  void start();

  // Sends bytes [first, end) of the object from `source`, in requests of at
  // most `chunk` bytes, resuming after failures, until the session holds them
  // all; `first` is what the session holds so far (ranges go in order). With
  // `last`, `end` is the object's size and the upload completes: returns the
  // final answer's body (the object's metadata); otherwise "".
  // `on_persisted(n)` is told of every n more bytes the session confirms.
  std::string send(uint64_t first, uint64_t end, bool last, const ChunkSource& source, uint64_t chunk,
                   const std::function<void(uint64_t)>& on_persisted = {});

  // Step 4, best effort (the upload has already failed, or was dropped):
  // never throws. Nothing to do before start().
  void cancel() noexcept;

 private:
  struct Reply {
    bool complete = false;
    uint64_t persisted = 0;  // bytes the server has, when not complete
    std::string body;        // the metadata, when complete
  };

  // One attempt at [offset, offset + length); throws http::RequestError.
  // `final`: this chunk ends the object at `end`.
  Reply send_chunk(uint64_t offset, uint64_t length, bool final, uint64_t end, const ChunkSource& source);
  // Asks the session how much it has (retried as any request).
  Reply query_status();
  Reply read_reply(const cairn::http::Response& response, const std::string& step) const;
  [[noreturn]] void fail(const std::string& problem) const;

  const GcsClient& client_;
  std::string object_name_;
  std::optional<uint64_t> total_;
  std::string session_;
  uint64_t sent_end_ = 0;  // one past the last byte sent so far
};

}  // namespace gcsstore
