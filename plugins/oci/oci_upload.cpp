// OciStore uploads: one PUT up to part_size, a multipart upload above
// (Composer's UploadManager.upload_file): create, parts in parallel, commit,
// and an abort when any step fails, so no half-made object or orphan parts
// stay behind. The steps are functions of their own, which streams
// (oci_stream.cpp) call too. A failed multipart upload keeps its cause's kind (a transient
// failure stays TransientError, so callers retry it) and says it was one.
#include <vector>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "oci_store.h"
#include "part_stream.h"
#include "source_file.h"

namespace ocistore {

namespace http = cairn::http;

namespace {

// Rethrows the exception being handled with `context` in front, keeping its kind.
[[noreturn]] void rethrow_with(const std::string& context) {
  try {
    throw;
  } catch (const cairn::TransientError& e) {
    throw cairn::TransientError(context + e.what());
  } catch (const cairn::AuthenticationError& e) {
    throw cairn::AuthenticationError(context + e.what());
  } catch (const cairn::StoreError& e) {
    // Not NotFoundError: a part's 404 (the upload expired) is no missing object.
    throw cairn::StoreError(e.kind() == cairn::StoreErrorKind::kNotFound ? cairn::StoreErrorKind::kOther : e.kind(),
                            context + e.what());
  } catch (const std::exception& e) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, context + e.what());
  }
}

}  // namespace

uint64_t part_size_for(uint64_t file_size, uint64_t part_size) {
  const uint64_t needed = (file_size + kMaxParts - 1) / kMaxParts;
  if (part_size < needed) part_size = (needed + (1ull << 20) - 1) / (1ull << 20) * (1ull << 20);  // whole MiB
  return part_size;
}

void OciStore::upload_object(const std::string& object_name, const std::string& filename, const cairn::ProgressFn& progress) {
  const s3store::SourceFile file(filename, "upload of '" + get_uri(object_name) + "'");
  if (file.size() <= client_.settings().transfer.part_size) {
    upload_whole(object_name, file.fd(), file.size(), progress);
  } else {
    upload_in_parts(object_name, file.fd(), file.size(), progress);
  }
}

void OciStore::upload_whole(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  s3store::PartProgress reporter(progress, size);
  put_object(object_name, http::RequestBody::file_range(fd, 0, size));
  reporter.add(size);
}

void OciStore::put_object(const std::string& object_name, http::RequestBody body) {
  OciCall call{"upload", object_name, "PUT", Resource::kObject};
  call.body = std::move(body);
  client_.send(call);
}

std::string OciStore::start_multipart(const std::string& object_name) {
  OciCall call{"upload (create multipart upload)", object_name, "POST", Resource::kUploads};
  call.body = http::RequestBody::memory(nlohmann::json{{"object", client_.key_of(object_name)}}.dump());
  call.json_body = true;
  const http::Response response = client_.send(call);
  std::string upload_id;
  try {
    upload_id = nlohmann::json::parse(response.body).at("uploadId").get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  if (upload_id.empty()) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "upload of '" + get_uri(object_name) +
                                                               "' failed: CreateMultipartUpload answered without an uploadId");
  }
  return upload_id;
}

void OciStore::abort_multipart(const std::string& object_name, const std::string& upload_id) noexcept {
  // Best effort: the upload has already failed with its own error, which is
  // what the caller must see. Parts a failed abort leaves behind expire with
  // the bucket's lifecycle policy.
  try {
    OciCall call{"upload (abort multipart upload)", object_name, "DELETE", Resource::kUpload};
    call.query = {{"uploadId", upload_id}};
    client_.send(call);
  } catch (...) {
  }
}

void OciStore::upload_in_parts(const std::string& object_name, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  const uint64_t part_size = part_size_for(size, client_.settings().transfer.part_size);
  const uint64_t parts = (size + part_size - 1) / part_size;
  const std::string context = "upload of '" + get_uri(object_name) + "' using OCI parallelized (multipart) uploading failed: ";
  std::string upload_id;
  try {
    upload_id = start_multipart(object_name);
  } catch (...) {
    rethrow_with(context);
  }
  std::vector<std::string> etags(parts);
  s3store::PartProgress reporter(progress, size);
  try {
    upload_parts_.run(parts, [&](uint64_t index) {
      const uint64_t offset = index * part_size;
      const uint64_t length = std::min(part_size, size - offset);
      http::RequestBody body = http::RequestBody::file_range(fd, offset, length);
      etags[index] = upload_part(object_name, upload_id, index + 1, " of " + std::to_string(parts), body);
      reporter.add(length);
    });
    commit_multipart(object_name, upload_id, etags);
  } catch (...) {
    abort_multipart(object_name, upload_id);
    rethrow_with(context + "(the multipart upload was aborted) ");
  }
}

std::string OciStore::upload_part(const std::string& object_name, const std::string& upload_id, uint64_t number,
                                  const std::string& of_parts, http::RequestBody& body) {
  const std::string part = std::to_string(number);
  OciCall call{"upload (part " + part + of_parts + ")", object_name, "PUT", Resource::kUpload};
  call.query = {{"uploadId", upload_id}, {"uploadPartNum", part}};
  const s3store::Lent<http::RequestBody> lent(body, call.body);
  std::string etag = client_.send(call).header("ETag");
  if (etag.empty()) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "upload of '" + get_uri(object_name) + "' failed: part " +
                                                               part + " was accepted without an ETag");
  }
  return etag;
}

void OciStore::commit_multipart(const std::string& object_name, const std::string& upload_id,
                                const std::vector<std::string>& etags) {
  nlohmann::json commit = {{"partsToCommit", nlohmann::json::array()}};
  for (uint64_t i = 0; i < etags.size(); ++i) commit["partsToCommit"].push_back({{"partNum", i + 1}, {"etag", etags[i]}});
  OciCall call{"upload (commit multipart upload)", object_name, "POST", Resource::kUpload};
  call.query = {{"uploadId", upload_id}};
  call.body = http::RequestBody::memory(commit.dump());
  call.json_body = true;
  client_.send(call);
}

}  // namespace ocistore
