// GcsStore streams: a PartStream (plugins/s3/part_stream.h) feeding one
// resumable session (resumable_upload.h) from memory. GCS takes a session's
// chunks only in order, so one part is in flight while the next fills; each
// part is one chunk, sent with "bytes A-B/*" until the last, which names the
// size and completes the object. The session resumes after failed chunks as
// a file's does. A stream that ends below resumable_threshold never filled a
// part: one uploadType=media request from memory.
#include <algorithm>
#include <limits>
#include <memory>

#include "gcs_store.h"
#include "part_stream.h"
#include "resumable_upload.h"

namespace gcsstore {

namespace http = cairn::http;

std::unique_ptr<cairn::ObjectWriter> GcsStore::open_writer(const std::string& object_name, uint64_t size_hint,
                                                           const cairn::ProgressFn& progress) {
  const GcsSettings& settings = client_.settings();
  const uint64_t chunk = settings.chunk_size;  // a multiple of 256 KiB (gcs_settings.cpp checks)
  // The first part holds what might still go up whole: rounded up to whole
  // 256 KiB, as every chunk but the last must be.
  const uint64_t first_chunk =
      std::max(chunk, (settings.resumable_threshold + kChunkGranularity - 1) / kChunkGranularity * kChunkGranularity);
  auto session = std::make_shared<ResumableSession>(client_, object_name, std::nullopt);
  auto answer = std::make_shared<std::string>();  // the last chunk's answer: the object's metadata

  s3store::PartProtocol protocol;
  protocol.part_size = [chunk, first_chunk](uint64_t number) { return number == 1 ? first_chunk : chunk; };
  protocol.max_parts = std::numeric_limits<uint64_t>::max();  // a session takes any number of chunks
  protocol.whole_below = settings.resumable_threshold;
  protocol.what = "upload of '" + get_uri(object_name) + "'";
  protocol.send_whole = [this, object_name](std::string& bytes) {
    upload_in_one_request(object_name, http::RequestBody::memory(std::move(bytes)));
  };
  protocol.start = [session] { session->start(); };
  protocol.send_part = [session, answer](uint64_t, std::string& bytes, uint64_t offset, bool last) {
    ChunkSource source;
    source.part = &bytes;
    source.part_first = offset;
    const uint64_t end = offset + bytes.size();
    std::string reply = session->send(offset, end, last, source, bytes.size());
    if (last) *answer = std::move(reply);
    return std::string();  // no receipt: the session keeps the chunks in order itself
  };
  protocol.finish = [this, object_name, answer](const std::vector<std::string>&, uint64_t total) {
    check_uploaded_size(client_, object_name, *answer, total);
  };
  protocol.abort = [session] { session->cancel(); };
  return std::make_unique<s3store::PartStream>(std::move(protocol), parts_, /*max_in_flight=*/1, size_hint,
                                               progress);
}

}  // namespace gcsstore
