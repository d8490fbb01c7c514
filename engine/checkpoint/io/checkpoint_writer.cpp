#include "checkpoint/io/checkpoint_writer.h"

#include <c10/util/Exception.h>

#include <system_error>

#include "cairn/errors.h"
#include "cairn/object_store.h"
#include "checkpoint/io/archive_sink.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_format.h"
#include "checkpoint/io/checkpoint_records.h"
#include "core/atomic_file.h"
#include "core/one_line.h"

namespace cairn::checkpoint {
namespace {

PickledCheckpoint pickle_or_explain(const c10::IValue& root, const std::string& path) {
  try {
    return pickle_checkpoint(root);
  } catch (const c10::Error& e) {
    throw CheckpointError("cannot save checkpoint '" + path + "': the state holds a value the pickler refuses (" +
                          exception_line(e) +
                          "); keep only tensors, dicts, lists, tuples, strings and numbers in state dicts");
  }
}

// The checkpoint's bytes, in the container its name asks for, into `out`.
void write_checkpoint_bytes(const PickledCheckpoint& pickled, const std::string& name, ByteSink& out,
                            const CheckpointWriteOptions& options) {
  const CheckpointFormat format = checkpoint_format_for(name);
  const ZipWriterOptions zip_options{options.force_zip64};
  const CheckpointKey* key = options.signing_key ? &*options.signing_key : nullptr;
  if (format.container == Container::kZip) {
    write_checkpoint_zip(pickled, out, zip_options, key);
  } else {
    ArchiveSink archive(out, format, checkpoint_zip_size(pickled, zip_options, key), name);
    write_checkpoint_zip(pickled, archive, zip_options, key);
    archive.finish();
  }
}

class ObjectWriterSink final : public ByteSink {
 public:
  explicit ObjectWriterSink(ObjectWriter& writer) : writer_(writer) {}
  void write(const char* data, size_t size) override { writer_.write(data, size); }

 private:
  ObjectWriter& writer_;
};

}  // namespace

uint64_t write_checkpoint(const c10::IValue& root, const std::string& path, const CheckpointWriteOptions& options) {
  checkpoint_format_for(path);  // an unknown extension fails before the state is pickled
  const PickledCheckpoint pickled = pickle_or_explain(root, path);
  try {
    AtomicFile file(path, WriteMode::kDirect);
    write_checkpoint_bytes(pickled, path, file, options);
    file.commit();
    return file.bytes_written();
  } catch (const std::system_error& e) {
    throw CheckpointError("cannot write checkpoint '" + path + "': " + e.what() +
                          "; check that the folder exists, is writable and has free space");
  }
}

uint64_t stream_checkpoint(const c10::IValue& root, ObjectStore& store, const std::string& object_name,
                           const CheckpointWriteOptions& options) {
  const std::string uri = store.get_uri(object_name);
  checkpoint_format_for(object_name);
  const PickledCheckpoint pickled = pickle_or_explain(root, uri);
  // Nothing is visible under the name until commit: an exception here (the
  // store, the compressor) unwinds through the writer, which aborts.
  const std::unique_ptr<ObjectWriter> writer = store.open_writer(object_name);
  ObjectWriterSink sink(*writer);
  write_checkpoint_bytes(pickled, uri, sink, options);
  writer->commit();
  return writer->bytes_written();
}

uint64_t write_checkpoint(const c10::IValue& root, const std::string& path) {
  return write_checkpoint(root, path, CheckpointWriteOptions{});
}

}  // namespace cairn::checkpoint
