// OciStore downloads: the size from HEAD (NotFoundError before anything is
// created), then concurrent ranged GETs into a temporary file next to the
// destination, renamed at the end, so the destination appears complete or
// not at all.

#include "cairn/errors.h"
#include "oci_store.h"
#include "ranged_fetch.h"
#include "temporary_download.h"

namespace ocistore {

namespace http = cairn::http;

std::vector<std::pair<uint64_t, uint64_t>> download_ranges(uint64_t size, uint64_t min_part_size, int num_parts) {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  if (size == 0) return ranges;
  const uint64_t count = std::min<uint64_t>(static_cast<uint64_t>(std::max(1, num_parts)),
                                            std::max<uint64_t>(size / std::max<uint64_t>(1, min_part_size), 1));
  const uint64_t base = size / count;
  const uint64_t remainder = size % count;
  uint64_t first = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t length = base + (i < remainder ? 1 : 0);
    ranges.emplace_back(first, length);
    first += length;
  }
  return ranges;
}

void OciStore::download_object(const std::string& object_name, const std::string& filename, bool overwrite,
                               const cairn::ProgressFn& progress) {
  const std::string what = "download of '" + get_uri(object_name) + "'";
  if (!overwrite && s3store::path_exists(filename)) {
    throw cairn::AlreadyExistsError(what + " failed: destination '" + filename +
                                    "' already exists; pass overwrite to replace it");
  }
  const uint64_t size = size_for("download", object_name);
  s3store::TemporaryDownload temporary(filename, what);
  fetch_into(object_name, temporary.fd(), size, progress);
  temporary.publish(filename, overwrite);
}

void OciStore::fetch_into(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  s3store::PartProgress reporter(progress, size);
  if (size == 0) {  // no range to ask for
    OciCall call{"download", object_name, "GET", Resource::kObject};
    call.sink = http::ResponseSink::file_at(fd, 0);
    call.expected_body_bytes = 0;
    client_.send(call);
    return;
  }
  const TransferSettings& transfer = client_.settings().transfer;
  const auto ranges = download_ranges(size, transfer.min_part_size, transfer.num_parts);
  s3store::fetch_spans(fd, size, ranges, download_parts_, reporter, "download of '" + get_uri(object_name) + "'",
                       [&](const s3store::ByteSpan& span, const http::ResponseSink& sink) {
                         const std::string bytes = s3store::range_bounds(span);
                         OciCall call{ranges.size() == 1 ? "download" : "download (bytes " + bytes + ")", object_name,
                                      "GET", Resource::kObject};
                         call.headers = {{"range", "bytes=" + bytes}};
                         call.sink = sink;
                         call.ranged = true;
                         call.expected_body_bytes = static_cast<int64_t>(span.second);
                         client_.send(call);
                       });
}

}  // namespace ocistore
