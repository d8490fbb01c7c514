// AzureBlobStore streams: a PartStream (plugins/s3/part_stream.h) speaking
// Azure's block blob protocol through the same steps as a file's upload
// (azure_transfers.cpp): Put Block for each block on the store's pool, Put
// Block List with every id in order, which makes the blob appear whole. A
// stream that ends below multipart_threshold never filled a block: one Put
// Blob from memory.
#include <algorithm>
#include <memory>

#include "azure_store.h"
#include "part_stream.h"

namespace libcloud {

namespace http = cairn::http;

std::unique_ptr<cairn::ObjectWriter> AzureBlobStore::open_writer(const std::string& object_name, uint64_t size_hint,
                                                                 const cairn::ProgressFn& progress) {
  const s3store::TransferSettings& transfer = client_.settings().transfer;
  const uint64_t base = block_size_for(size_hint, transfer.multipart_chunksize);
  const std::string token = new_upload_token();

  s3store::PartProtocol protocol;
  protocol.part_size = [base](uint64_t number) { return std::min(s3store::stream_part_size(base, number), kMaxBlockSize); };
  protocol.max_parts = kMaxBlocks;
  protocol.whole_below = transfer.multipart_threshold;
  protocol.what = "upload of '" + get_uri(object_name) + "'";
  protocol.too_many_parts_remedy =
      "set transfer_config's multipart_chunksize larger, or pass the object's size as the stream's size hint";
  protocol.send_whole = [this, object_name](std::string& bytes) {
    put_blob(object_name, http::RequestBody::memory(std::move(bytes)));
  };
  // Azure has no upload to open: the first Put Block makes the blob's list of
  // uncommitted blocks.
  protocol.start = [] {};
  protocol.send_part = [this, object_name, token](uint64_t number, std::string& bytes, uint64_t, bool) {
    const std::string id = block_id(token, number - 1);
    http::RequestBody body = http::RequestBody::memory({});
    const s3store::Lent<std::string> lent(bytes, body.data);
    put_block(object_name, id, std::to_string(number), body);
    return id;
  };
  protocol.finish = [this, object_name](const std::vector<std::string>& ids, uint64_t) {
    put_block_list(object_name, ids);
  };
  // Nothing to remove: blocks that no Put Block List names are never part of
  // the blob (readers keep seeing the committed one, or none), the next Put
  // Block List under this name discards them, and Azure deletes uncommitted
  // blocks on its own after 7 days. Azure offers no call to delete them
  // sooner without deleting the committed blob as well.
  protocol.abort = [] {};
  return std::make_unique<s3store::PartStream>(std::move(protocol), parts_,
                                               static_cast<size_t>(transfer.max_concurrency), size_hint, progress);
}

}  // namespace libcloud
