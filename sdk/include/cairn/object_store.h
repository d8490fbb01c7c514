// ObjectStore: the one interface every storage backend implements.
//
// Names are keys relative to the store's root (a bucket, optionally with a
// prefix). Failures are reported with the typed errors of cairn/errors.h:
// NotFoundError, AlreadyExistsError, AuthenticationError, TransientError (the
// caller may retry), or StoreError(kOther). Messages name the operation, the
// object and the cause, and never contain credentials.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cairn/export.h"
#include "cairn/object_writer.h"

namespace cairn {

// Called as bytes move: (bytes so far, total bytes). Cumulative and monotonic,
// ends with so_far == total.
using ProgressFn = std::function<void(uint64_t bytes_done, uint64_t bytes_total)>;

class CAIRN_EXPORT ObjectStore {
 public:
  virtual ~ObjectStore();

  // The URI of an object ("s3://bucket/prefix/name"). Pure: checks nothing.
  virtual std::string get_uri(const std::string& object_name) const = 0;

  // Uploads a local file. Replaces an existing object of that name.
  virtual void upload_object(const std::string& object_name, const std::string& filename,
                             const ProgressFn& progress = {}) = 0;

  // Downloads to `filename` through a temporary file in the same folder, so a
  // failed download leaves nothing behind. AlreadyExistsError when `filename`
  // exists and `overwrite` is false.
  virtual void download_object(const std::string& object_name, const std::string& filename,
                               bool overwrite = false, const ProgressFn& progress = {}) = 0;

  // Size in bytes; NotFoundError when absent. Also the existence check.
  virtual uint64_t get_object_size(const std::string& object_name, const ProgressFn& progress = {}) = 0;

  // Every object name that starts with `prefix` (empty: all), sorted.
  virtual std::vector<std::string> list_objects(const std::string& prefix = "",
                                                const ProgressFn& progress = {}) = 0;

  // NotFoundError when absent.
  virtual void delete_object(const std::string& object_name, const ProgressFn& progress = {}) = 0;

  // Starts an object written as a stream (cairn/object_writer.h); nothing is
  // visible under `object_name` until the writer's commit(). `size_hint` is
  // the expected size in bytes, or 0 when unknown: a store may size its parts
  // from it, and progress reports it as the total until the stream passes it.
  //
  // The default implementation writes the stream to a temporary file (in
  // TMPDIR) and calls upload_object() at commit: every store can stream, and
  // one that overrides this sends the bytes as they come, from memory.
  virtual std::unique_ptr<ObjectWriter> open_writer(const std::string& object_name, uint64_t size_hint = 0,
                                                    const ProgressFn& progress = {});
};

// A URI taken apart: "s3://bucket/some/path" -> {"s3", "bucket", "some/path"}.
// The scheme is lower-cased; a local path has an empty scheme and keeps its
// leading "/".
struct CAIRN_EXPORT Uri {
  std::string scheme;
  std::string bucket;
  std::string path;

  static Uri parse(const std::string& text);
  bool is_local() const { return scheme.empty(); }
};

}  // namespace cairn
