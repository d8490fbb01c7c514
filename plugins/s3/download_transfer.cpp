// S3Store downloads: into a temporary file in the destination's folder, one
// GET for small objects and concurrent ranged GETs for large ones, then a
// rename, so the destination appears complete or not at all.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cairn/errors.h"
#include "local_files.h"
#include "s3_store.h"

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
  TemporaryFile temporary(filename, what);
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
  const uint64_t range = std::max<uint64_t>(1, transfer.multipart_chunksize);
  const uint64_t ranges = (size + range - 1) / range;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "download of '" + get_uri(object_name) +
                                                               "' failed: cannot size the temporary file: " + std::strerror(errno));
  }
  parts_.run(ranges, [&](uint64_t index) {
    const uint64_t first = index * range;
    const uint64_t length = std::min(range, size - first);
    S3Call call{"download (bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + ")", object_name, "GET"};
    call.headers = {{"Range", "bytes=" + std::to_string(first) + "-" + std::to_string(first + length - 1)}};
    call.sink = http::ResponseSink::file_at(fd, first);
    call.ranged = true;
    call.expected_body_bytes = static_cast<int64_t>(length);
    client_.send(call);
    reporter.add(length);
  });
}

}  // namespace s3store
