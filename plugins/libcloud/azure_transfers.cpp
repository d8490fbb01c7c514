// AzureBlobStore uploads (Put Blob, or Put Block + Put Block List) and
// downloads (GET, or concurrent ranged GETs into a temporary file). The
// upload steps are functions of their own, which streams (azure_stream.cpp)
// call too.

#include <algorithm>
#include <cstdio>
#include <random>

#include "azure_store.h"
#include "azure_xml.h"
#include "cairn/errors.h"
#include "cairn/http/crypto.h"
#include "part_stream.h"
#include "ranged_fetch.h"
#include "source_file.h"
#include "temporary_download.h"

namespace libcloud {

namespace http = cairn::http;

std::string new_upload_token() {
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device());
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 16; ++i) token += kHex[rng() & 15];
  return token;
}

std::string block_id(const std::string& token, uint64_t index) {
  char number[16];
  std::snprintf(number, sizeof number, "%06llu", static_cast<unsigned long long>(index));
  return http::base64_encode("cairn-" + token + "-" + number);
}

uint64_t block_size_for(uint64_t file_size, uint64_t chunksize) {
  uint64_t block = std::max<uint64_t>(1, chunksize);
  const uint64_t needed = (file_size + kMaxBlocks - 1) / kMaxBlocks;
  if (block < needed) block = (needed + (1ull << 20) - 1) / (1ull << 20) * (1ull << 20);  // whole MiB
  return std::min(block, kMaxBlockSize);
}

void AzureBlobStore::upload_object(const std::string& object_name, const std::string& filename,
                                   const cairn::ProgressFn& progress) {
  const s3store::SourceFile file(filename, "upload of '" + get_uri(object_name) + "'");
  if (file.size() < client_.settings().transfer.multipart_threshold) {
    upload_whole(object_name, file.fd(), file.size(), progress);
  } else {
    upload_blocks(object_name, file.fd(), file.size(), progress);
  }
}

void AzureBlobStore::upload_whole(const std::string& blob, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  s3store::PartProgress reporter(progress, size);
  put_blob(blob, http::RequestBody::file_range(fd, 0, size));
  reporter.add(size);
}

void AzureBlobStore::put_blob(const std::string& blob, http::RequestBody body) {
  AzureCall call{"upload", blob, "PUT"};
  call.headers = {{"x-ms-blob-type", "BlockBlob"}};
  call.body = std::move(body);
  client_.send(call);
}

void AzureBlobStore::put_block(const std::string& blob, const std::string& id, const std::string& label,
                               http::RequestBody& body) {
  AzureCall call{"upload (block " + label + ")", blob, "PUT"};
  call.query = {{"comp", "block"}, {"blockid", id}};
  const s3store::Lent<http::RequestBody> lent(body, call.body);
  client_.send(call);
}

void AzureBlobStore::put_block_list(const std::string& blob, const std::vector<std::string>& ids) {
  AzureCall commit{"upload (block list)", blob, "PUT"};
  commit.query = {{"comp", "blocklist"}};
  commit.headers = {{"Content-Type", "application/xml"}};
  commit.body = http::RequestBody::memory(block_list_body(ids));
  client_.send(commit);
}

void AzureBlobStore::upload_blocks(const std::string& blob, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  const uint64_t block_size = block_size_for(size, client_.settings().transfer.multipart_chunksize);
  const uint64_t blocks = std::max<uint64_t>(1, (size + block_size - 1) / block_size);
  if (blocks > kMaxBlocks) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, "upload of '" + get_uri(blob) + "' failed: " +
                                                               std::to_string(size) + " bytes is more than an Azure block blob holds");
  }
  const std::string token = new_upload_token();
  std::vector<std::string> ids(blocks);
  for (uint64_t i = 0; i < blocks; ++i) ids[i] = block_id(token, i);
  s3store::PartProgress reporter(progress, size);
  parts_.run(blocks, [&](uint64_t index) {
    const uint64_t offset = index * block_size;
    const uint64_t length = std::min(block_size, size - offset);
    http::RequestBody body = http::RequestBody::file_range(fd, offset, length);
    put_block(blob, ids[index], std::to_string(index + 1) + " of " + std::to_string(blocks), body);
    reporter.add(length);
  });
  put_block_list(blob, ids);
}

void AzureBlobStore::download_object(const std::string& object_name, const std::string& filename, bool overwrite,
                                     const cairn::ProgressFn& progress) {
  const std::string what = "download of '" + get_uri(object_name) + "'";
  if (!overwrite && s3store::path_exists(filename)) {
    throw cairn::AlreadyExistsError(what + " failed: destination '" + filename +
                                    "' already exists; pass overwrite to replace it");
  }
  const uint64_t size = size_for("download", object_name);  // NotFoundError before anything is created
  s3store::TemporaryDownload temporary(filename, what);
  fetch_into(object_name, temporary.fd(), size, progress);
  temporary.publish(filename, overwrite);
}

void AzureBlobStore::fetch_into(const std::string& blob, int fd, uint64_t size, const cairn::ProgressFn& progress) {
  const s3store::TransferSettings& transfer = client_.settings().transfer;
  s3store::PartProgress reporter(progress, size);
  if (size < transfer.multipart_threshold || size == 0) {
    AzureCall call{"download", blob, "GET"};
    call.sink = http::ResponseSink::file_at(fd, 0);
    call.expected_body_bytes = static_cast<int64_t>(size);
    client_.send(call);
    reporter.add(size);
    return;
  }
  s3store::fetch_spans(fd, size, s3store::spans_of_size(size, transfer.multipart_chunksize), parts_, reporter,
                       "download of '" + get_uri(blob) + "'",
                       [&](const s3store::ByteSpan& span, const http::ResponseSink& sink) {
                         const std::string bytes = "bytes=" + s3store::range_bounds(span);
                         AzureCall call{"download (" + bytes + ")", blob, "GET"};
                         call.headers = {{"x-ms-range", bytes}};
                         call.sink = sink;
                         call.ranged = true;
                         call.expected_body_bytes = static_cast<int64_t>(span.second);
                         client_.send(call);
                       });
}

}  // namespace libcloud
