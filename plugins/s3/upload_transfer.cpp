// S3Store uploads: one PUT below multipart_threshold, a multipart upload above.
#include <vector>

#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "s3_store.h"
#include "s3_xml.h"
#include "source_file.h"

namespace s3store {

namespace http = cairn::http;

namespace {

constexpr uint64_t kMaxParts = 10'000;
constexpr uint64_t kMinPartSize = 5ull << 20;

// The hash goes into the signed headers, so it is computed (streaming through
// the file, never holding it in memory) before the body is sent.
std::string hash_range(int fd, uint64_t offset, uint64_t length, const std::string& what) {
  try {
    return http::sha256_hex_of_file_range(fd, offset, length);
  } catch (const cairn::Error& e) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, what + " failed: " + e.what());
  }
}

}  // namespace

uint64_t part_size_for(uint64_t file_size, uint64_t chunksize) {
  uint64_t part = std::max(chunksize, kMinPartSize);
  const uint64_t needed = (file_size + kMaxParts - 1) / kMaxParts;
  if (part < needed) part = (needed + (1ull << 20) - 1) / (1ull << 20) * (1ull << 20);  // whole MiB
  return part;
}

http::Headers S3Store::upload_headers() const {
  http::Headers headers;
  if (!client_.settings().canned_acl.empty()) headers.emplace_back("x-amz-acl", client_.settings().canned_acl);
  return headers;
}

void S3Store::upload_object(const std::string& object_name, const std::string& filename, const cairn::ProgressFn& progress) {
  const SourceFile file(filename, "upload of '" + get_uri(object_name) + "'");
  const uint64_t size = file.size();
  if (size < client_.settings().transfer.multipart_threshold) {
    upload_whole(object_name, file.fd(), size, progress);
  } else {
    upload_in_parts(object_name, file.fd(), size, progress);
  }
}

void S3Store::upload_whole(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  PartProgress reporter(progress, size);
  S3Call call{"upload", object_name, "PUT"};
  call.headers = upload_headers();
  call.body = http::RequestBody::file_range(fd, 0, size);
  call.payload_hash = hash_range(fd, 0, size, "upload of '" + get_uri(object_name) + "'");
  client_.send(call);
  reporter.add(size);
}

std::string S3Store::start_multipart(const std::string& object_name) {
  S3Call call{"upload (create multipart upload)", object_name, "POST"};
  call.query = {{"uploads", ""}};
  call.headers = upload_headers();
  call.error_may_come_with_200 = true;
  const http::Response response = client_.send(call);
  std::string upload_id;
  try {
    upload_id = parse_upload_id(response.body);
  } catch (const XmlError& e) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "upload of '" + get_uri(object_name) +
                                                               "' failed: CreateMultipartUpload: " + e.what());
  }
  if (upload_id.empty()) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "upload of '" + get_uri(object_name) +
                                                               "' failed: CreateMultipartUpload answered without an UploadId");
  }
  return upload_id;
}

void S3Store::abort_multipart(const std::string& object_name, const std::string& upload_id) noexcept {
  // Best effort: the upload has already failed with its own error, which is
  // what the caller must see. Parts left behind by a failed abort are removed
  // by the bucket's lifecycle rules (AbortIncompleteMultipartUpload).
  try {
    S3Call call{"upload (abort multipart upload)", object_name, "DELETE"};
    call.query = {{"uploadId", upload_id}};
    client_.send(call);
  } catch (...) {
  }
}

std::string S3Store::send_part(const std::string& object_name, const std::string& upload_id, uint64_t number,
                               const std::string& label, http::RequestBody& body, std::string payload_hash) {
  S3Call call{"upload (part " + label + ")", object_name, "PUT"};
  call.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
  call.body = std::move(body);
  call.payload_hash = std::move(payload_hash);
  struct GiveBack {  // the caller may reuse a memory body's buffer, whatever happens
    S3Call& call;
    http::RequestBody& body;
    ~GiveBack() { body = std::move(call.body); }
  } give_back{call, body};
  const http::Response response = client_.send(call);
  std::string etag = response.header("ETag");
  if (etag.empty()) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "upload of '" + get_uri(object_name) + "' failed: part " +
                                                               label + " was accepted without an ETag");
  }
  return etag;
}

void S3Store::complete_multipart(const std::string& object_name, const std::string& upload_id,
                                 const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + xml_escape(etags[i]) + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  S3Call complete{"upload (complete multipart upload)", object_name, "POST"};
  complete.query = {{"uploadId", upload_id}};
  complete.headers = {{"Content-Type", "application/xml"}};
  complete.body = http::RequestBody::memory(std::move(body));
  // S3 may answer 200 and still fail, with an <Error> document as the body.
  complete.error_may_come_with_200 = true;
  client_.send(complete);
}

void S3Store::upload_in_parts(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  const uint64_t part_size = part_size_for(size, client_.settings().transfer.multipart_chunksize);
  const uint64_t parts = std::max<uint64_t>(1, (size + part_size - 1) / part_size);
  const std::string upload_id = start_multipart(object_name);
  std::vector<std::string> etags(parts);
  PartProgress reporter(progress, size);
  try {
    parts_.run(parts, [&](uint64_t index) {
      const uint64_t offset = index * part_size;
      const uint64_t length = std::min(part_size, size - offset);
      const std::string label = std::to_string(index + 1) + " of " + std::to_string(parts);
      http::RequestBody body = http::RequestBody::file_range(fd, offset, length);
      etags[index] = send_part(object_name, upload_id, index + 1, label, body,
                               hash_range(fd, offset, length, "upload of '" + get_uri(object_name) + "' part " + label));
      reporter.add(length);
    });
    complete_multipart(object_name, upload_id, etags);
  } catch (...) {
    abort_multipart(object_name, upload_id);
    throw;
  }
}

}  // namespace s3store
