// A resumable upload (GCS JSON API, uploadType=resumable), as Google's
// protocol has it:
//   1. POST .../o?uploadType=resumable with the object's metadata and
//      X-Upload-Content-Length: the answer's Location is the session URI;
//   2. PUT the file in chunks of chunk_size (a multiple of 256 KiB, all but the
//      last), each with "Content-Range: bytes FIRST-LAST/TOTAL". GCS answers
//      308 with "Range: bytes=0-N" (what it has persisted, possibly less than
//      was sent) until the last chunk, which it answers 200 or 201 with the
//      object's metadata;
//   3. after a chunk fails (a reset, a timeout, 408, 429, 5xx), ask the
//      session how much it has ("PUT, Content-Range: bytes */TOTAL", empty
//      body: 308 with or without Range, or 200/201 when it is complete) and
//      go on from there, with backoff between failures.
// A session that is gone (404, 410) fails the upload as transient: the
// caller's retry starts a new one.
#pragma once

#include <cstdint>
#include <string>

#include "gcs_client.h"
#include "parallel_parts.h"

namespace gcsstore {

class ResumableUpload {
 public:
  ResumableUpload(const GcsClient& client, const std::string& object_name, int fd, uint64_t size,
                  s3store::PartProgress& progress);

  // Runs the upload; returns the final answer's body (the object's metadata).
  std::string run();

 private:
  struct Reply {
    bool complete = false;
    uint64_t persisted = 0;  // bytes the server has, when not complete
    std::string body;        // the metadata, when complete
  };

  std::string start_session();
  // Sends [offset, offset + length): one attempt; throws http::RequestError.
  Reply send_chunk(uint64_t offset, uint64_t length);
  // Asks the session how much it has (retried as any request).
  Reply query_status();
  Reply read_reply(const cairn::http::Response& response, const std::string& step) const;
  // Moves the confirmed offset to `persisted`, reporting progress.
  void advance_to(uint64_t persisted);

  const GcsClient& client_;
  std::string object_name_;
  int fd_;
  uint64_t size_;
  s3store::PartProgress& progress_;
  std::string session_;
  uint64_t confirmed_ = 0;
};

}  // namespace gcsstore
