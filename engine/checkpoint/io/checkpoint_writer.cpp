#include "checkpoint/io/checkpoint_writer.h"

#include <c10/util/Exception.h>

#include <system_error>

#include "cairn/errors.h"
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

}  // namespace

uint64_t write_checkpoint(const c10::IValue& root, const std::string& path, const CheckpointWriteOptions& options) {
  const CheckpointFormat format = checkpoint_format_for(path);
  const PickledCheckpoint pickled = pickle_or_explain(root, path);
  const ZipWriterOptions zip_options{options.force_zip64};
  const CheckpointKey* key = options.signing_key ? &*options.signing_key : nullptr;

  try {
    AtomicFile file(path, WriteMode::kDirect);
    if (format.container == Container::kZip) {
      write_checkpoint_zip(pickled, file, zip_options, key);
    } else {
      ArchiveSink archive(file, format, checkpoint_zip_size(pickled, zip_options, key), path);
      write_checkpoint_zip(pickled, archive, zip_options, key);
      archive.finish();
    }
    file.commit();
    return file.bytes_written();
  } catch (const std::system_error& e) {
    throw CheckpointError("cannot write checkpoint '" + path + "': " + e.what() +
                          "; check that the folder exists, is writable and has free space");
  }
}

uint64_t write_checkpoint(const c10::IValue& root, const std::string& path) {
  return write_checkpoint(root, path, CheckpointWriteOptions{});
}

}  // namespace cairn::checkpoint
