// OciStore streams: a PartStream (plugins/s3/part_stream.h) speaking Object
// Storage's multipart upload through the same steps as a file's upload
// (oci_upload.cpp): CreateMultipartUpload before the first part, UploadPart
// on the store's upload pool, CommitMultipartUpload with every part's ETag,
// AbortMultipartUpload for a stream dropped uncommitted. A stream that ends
// below part_size never filled a part: one PutObject from memory.
#include <algorithm>
#include <memory>

#include "oci_store.h"
#include "part_stream.h"

namespace ocistore {

namespace http = cairn::http;

std::unique_ptr<cairn::ObjectWriter> OciStore::open_writer(const std::string& object_name, uint64_t size_hint,
                                                           const cairn::ProgressFn& progress) {
  const TransferSettings& transfer = client_.settings().transfer;
  // A size hint larger than 10,000 part_size parts grows the first parts too,
  // as it does for a file; past 1,000 parts they grow on their own.
  const uint64_t base = part_size_for(size_hint, transfer.part_size);
  // Written on the writing thread (start), read by the pool's part uploads.
  auto upload_id = std::make_shared<std::string>();

  s3store::PartProtocol protocol;
  protocol.part_size = [base](uint64_t number) { return std::min(s3store::stream_part_size(base, number), kMaxPartSize); };
  protocol.max_parts = kMaxParts;
  protocol.whole_below = transfer.part_size;
  protocol.what = "upload of '" + get_uri(object_name) + "'";
  protocol.too_many_parts_remedy = "set the store's part_size larger, or pass the object's size as the stream's size hint";
  protocol.send_whole = [this, object_name](std::string& bytes) {
    put_object(object_name, http::RequestBody::memory(std::move(bytes)));
  };
  protocol.start = [this, object_name, upload_id] { *upload_id = start_multipart(object_name); };
  protocol.send_part = [this, object_name, upload_id](uint64_t number, std::string& bytes, uint64_t, bool) {
    http::RequestBody body = http::RequestBody::memory({});
    const s3store::Lent<std::string> lent(bytes, body.data);
    return upload_part(object_name, *upload_id, number, "", body);
  };
  protocol.finish = [this, object_name, upload_id](const std::vector<std::string>& etags, uint64_t) {
    commit_multipart(object_name, *upload_id, etags);
  };
  protocol.abort = [this, object_name, upload_id] { abort_multipart(object_name, *upload_id); };
  return std::make_unique<s3store::PartStream>(std::move(protocol), upload_parts_,
                                               static_cast<size_t>(transfer.parallel_process_count), size_hint, progress);
}

}  // namespace ocistore
