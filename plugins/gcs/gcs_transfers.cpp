// GcsStore uploads and downloads. Uploads: one request (uploadType=media)
// below resumable_threshold, a resumable upload from it up. Downloads: into a
// temporary file in the destination's folder, one GET for small objects and
// concurrent ranged GETs of the same generation for large ones, then a
// rename, so the destination appears complete or not at all.
#include "cairn/errors.h"
#include "gcs_store.h"
#include "ranged_fetch.h"
#include "resumable_upload.h"
#include "source_file.h"
#include "temporary_download.h"

namespace gcsstore {

namespace http = cairn::http;

void GcsStore::upload_object(const std::string& object_name, const std::string& filename,
                             const cairn::ProgressFn& progress) {
  const s3store::SourceFile file(filename, "upload of '" + get_uri(object_name) + "'");
  const uint64_t size = file.size();
  s3store::PartProgress reporter(progress, size);
  if (size == 0 || size < client_.settings().resumable_threshold) {
    upload_in_one_request(object_name, http::RequestBody::file_range(file.fd(), 0, size));
    reporter.add(size);
    return;
  }
  ResumableSession session(client_, object_name, size);
  session.start();
  ChunkSource source;
  source.fd = file.fd();
  const std::string answer = session.send(0, size, /*last=*/true, source, client_.settings().chunk_size,
                                          [&](uint64_t bytes) { reporter.add(bytes); });
  check_uploaded_size(client_, object_name, answer, size);
}

void GcsStore::upload_in_one_request(const std::string& object_name, http::RequestBody body) {
  const uint64_t size = body.size();
  GcsCall call{"upload", object_name, "POST", client_.upload_url("media", object_name)};
  call.headers = {{"Content-Type", "application/octet-stream"}};
  call.body = std::move(body);
  const http::Response response = client_.send(call);
  check_uploaded_size(client_, object_name, response.body, size);
}

void GcsStore::download_object(const std::string& object_name, const std::string& filename, bool overwrite,
                               const cairn::ProgressFn& progress) {
  const std::string what = "download of '" + get_uri(object_name) + "'";
  if (!overwrite && s3store::path_exists(filename)) {
    throw cairn::AlreadyExistsError(what + " failed: destination '" + filename +
                                    "' already exists; pass overwrite to replace it");
  }
  const ObjectInfo info = metadata("download", object_name);  // NotFoundError before anything is created
  s3store::TemporaryDownload temporary(filename, what);
  fetch_into(object_name, info, temporary.fd(), what, progress);
  temporary.publish(filename, overwrite);
}

void GcsStore::fetch_into(const std::string& object_name, const ObjectInfo& info, int fd, const std::string& what,
                          const cairn::ProgressFn& progress) {
  s3store::PartProgress reporter(progress, info.size);
  // Every request names the generation the metadata described, so an object
  // replaced meanwhile fails the download instead of mixing two versions.
  const std::string url = client_.media_url(object_name, info.generation);
  if (info.size <= client_.settings().download_chunk_size) {
    GcsCall call{"download", object_name, "GET", url};
    call.sink = http::ResponseSink::file_at(fd, 0);
    call.expected_body_bytes = static_cast<int64_t>(info.size);
    client_.send(call);
    reporter.add(info.size);
    return;
  }
  const auto spans = s3store::spans_of_size(info.size, client_.settings().download_chunk_size);
  s3store::fetch_spans(fd, info.size, spans, parts_, reporter, what,
                       [&](const s3store::ByteSpan& span, const http::ResponseSink& sink) {
                         const std::string bytes = s3store::range_bounds(span);
                         GcsCall call{"download (bytes " + bytes + ")", object_name, "GET", url};
                         call.headers = {{"Range", "bytes=" + bytes}};
                         call.sink = sink;
                         call.ranged = true;
                         call.expected_body_bytes = static_cast<int64_t>(span.second);
                         client_.send(call);
                       });
}

}  // namespace gcsstore
