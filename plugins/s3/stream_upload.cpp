// S3Store streams: a PartStream speaking S3's multipart upload. Parts are
// hashed on the pool threads (the client hashes memory bodies as it signs).
#include <memory>

#include "part_stream.h"
#include "s3_store.h"

namespace s3store {

namespace http = cairn::http;

std::unique_ptr<cairn::ObjectWriter> S3Store::open_writer(const std::string& object_name, uint64_t size_hint,
                                                          const cairn::ProgressFn& progress) {
  const TransferSettings& transfer = client_.settings().transfer;
  const uint64_t base = part_size_for(size_hint, transfer.multipart_chunksize);
  // Shared by the protocol's calls, which run on the writing thread and the pool.
  auto upload_id = std::make_shared<std::string>();

  PartProtocol protocol;
  protocol.part_size = [base](uint64_t number) { return stream_part_size(base, number); };
  protocol.max_parts = 10'000;
  protocol.whole_below = transfer.multipart_threshold;
  protocol.what = "upload of '" + get_uri(object_name) + "'";
  protocol.too_many_parts_remedy = "set transfer_config's multipart_chunksize larger";
  protocol.send_whole = [this, object_name](std::string& bytes) {
    S3Call call{"upload", object_name, "PUT"};
    call.headers = upload_headers();
    call.body = http::RequestBody::memory(std::move(bytes));
    client_.send(call);
  };
  protocol.start = [this, object_name, upload_id] { *upload_id = start_multipart(object_name); };
  protocol.send_part = [this, object_name, upload_id](uint64_t number, std::string& bytes, uint64_t, bool) {
    http::RequestBody body = http::RequestBody::memory({});
    const Lent<std::string> lent(bytes, body.data);
    return send_part(object_name, *upload_id, number, std::to_string(number), body, /*payload_hash=*/"");
  };
  protocol.finish = [this, object_name, upload_id](const std::vector<std::string>& etags, uint64_t) {
    complete_multipart(object_name, *upload_id, etags);
  };
  protocol.abort = [this, object_name, upload_id] { abort_multipart(object_name, *upload_id); };
  return std::make_unique<PartStream>(std::move(protocol), parts_, static_cast<size_t>(transfer.max_concurrency),
                                      size_hint, progress);
}

}  // namespace s3store
