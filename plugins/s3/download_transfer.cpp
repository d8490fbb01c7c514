// S3Store downloads: into a temporary file in the destination's folder, one
// GET for small objects and concurrent ranged GETs for large ones, then a
// rename, so the destination appears complete or not at all.

#include "cairn/errors.h"
#include "ranged_fetch.h"
#include "s3_store.h"
#include "temporary_download.h"

namespace s3store {

namespace http = cairn::http;

void S3Store::download_object(const std::string& object_name, const std::string& filename, bool overwrite,
                              const cairn::ProgressFn& progress) {
  const std::string what = "download of '" + get_uri(object_name) + "'";
  if (!overwrite && path_exists(filename)) {
    throw cairn::AlreadyExistsError(what + " failed: destination '" + filename +
                                    "' already exists; pass overwrite to replace it");
  }
  const uint64_t size = size_for("download", object_name);  // NotFoundError before anything is created
  TemporaryDownload temporary(filename, what);
  fetch_into(object_name, temporary.fd(), size, progress);
  temporary.publish(filename, overwrite);
}

void S3Store::fetch_into(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  const TransferSettings& transfer = client_.settings().transfer;
  PartProgress reporter(progress, size);
  if (size < transfer.multipart_threshold || size == 0) {
    S3Call call{"download", object_name, "GET"};
    call.sink = http::ResponseSink::file_at(fd, 0);
    call.expected_body_bytes = static_cast<int64_t>(size);
    client_.send(call);
    reporter.add(size);
    return;
  }
  // Ranges need no S3 minimum: the chunk size is used as given.
  fetch_spans(fd, size, spans_of_size(size, transfer.multipart_chunksize), parts_, reporter,
              "download of '" + get_uri(object_name) + "'", [&](const ByteSpan& span, const http::ResponseSink& sink) {
                S3Call call{"download (bytes " + range_bounds(span) + ")", object_name, "GET"};
                call.headers = {{"Range", "bytes=" + range_bounds(span)}};
                call.sink = sink;
                call.ranged = true;
                call.expected_body_bytes = static_cast<int64_t>(span.second);
                client_.send(call);
              });
}

}  // namespace s3store
