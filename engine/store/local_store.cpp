#include "store/local_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "cairn/config.h"
#include "cairn/errors.h"
#include "core/atomic_file.h"

namespace cairn {

namespace fs = std::filesystem;

namespace {

// "download of 'a/b.pt' from file:///x failed: not found"
std::string failure(const std::string& operation, const std::string& object_name, const std::string& store,
                    const std::string& cause) {
  return operation + " of '" + object_name + "' " + (operation == "upload" ? "to " : "from ") + store +
         " failed: " + cause;
}

// Maps an errno onto the store error kinds callers act on: a missing file is
// not-found, interrupted or busy I/O may succeed when retried.
[[noreturn]] void throw_store_error(const std::string& message, int error) {
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      throw NotFoundError(message);
    case EEXIST:
      throw AlreadyExistsError(message);
    case EAGAIN:
    case EINTR:
    case EIO:
    case EBUSY:
    case ETIMEDOUT:
      throw TransientError(message);
    default:
      throw StoreError(StoreErrorKind::kOther, message);
  }
}

// lstat, so that a dangling symlink at the destination also counts as existing.
bool path_exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

// Copies `source` to `destination` through an AtomicFile, creating the
// destination's folders: the copy appears whole or not at all. Without
// `replace`, an existing destination fails with EEXIST and stays untouched.
// Errors are std::system_error with errno.
void copy_atomically(const std::string& source, const std::string& destination, bool replace, const ProgressFn& progress) {
  FILE* in = std::fopen(source.c_str(), "rb");
  if (in == nullptr) throw std::system_error(errno, std::generic_category(), "opening '" + source + "'");
  std::unique_ptr<FILE, int (*)(FILE*)> closer(in, &std::fclose);
  struct stat info {};
  if (::fstat(::fileno(in), &info) != 0 || S_ISDIR(info.st_mode)) {
    throw std::system_error(S_ISDIR(info.st_mode) ? EISDIR : errno, std::generic_category(), "opening '" + source + "'");
  }
  const uint64_t total = static_cast<uint64_t>(info.st_size);
  const fs::path dest = fs::absolute(destination);
  std::error_code ec;
  fs::create_directories(dest.parent_path(), ec);
  if (ec) throw std::system_error(ec, "creating folder '" + dest.parent_path().string() + "'");

  AtomicFile out(dest.string());
  std::vector<char> buffer(size_t{1} << 20);
  uint64_t done = 0;
  if (progress) progress(0, total);
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), in)) {
    out.write(buffer.data(), n);
    done += n;
    // The total is the size seen at open; a file growing meanwhile must not
    // make the callback report more than 100 %.
    if (progress && done <= total) progress(done, total);
  }
  if (std::ferror(in)) throw std::system_error(EIO, std::generic_category(), "reading '" + source + "'");
  out.commit(replace);
  if (progress && done != total) progress(done, done);
}

// A stream into an AtomicFile beside the object, written with direct I/O as
// local checkpoints are: renamed into place at commit, and removed by the
// AtomicFile when the writer goes uncommitted.
class LocalObjectWriter final : public ObjectWriter {
 public:
  LocalObjectWriter(const std::string& path, std::string failure_prefix, uint64_t size_hint, ProgressFn progress)
      : failure_prefix_(std::move(failure_prefix)), size_hint_(size_hint), progress_(std::move(progress)) {
    guard([&] {
      const fs::path dest = fs::absolute(path);
      std::error_code ec;
      fs::create_directories(dest.parent_path(), ec);
      if (ec) throw std::system_error(ec, "creating folder '" + dest.parent_path().string() + "'");
      file_ = std::make_unique<AtomicFile>(dest.string(), WriteMode::kDirect);
    });
    if (progress_) progress_(0, size_hint_);
  }

  void write(const char* data, size_t size) override {
    if (!file_) throw StoreError(StoreErrorKind::kOther, failure_prefix_ + "the stream was already committed or failed");
    guard([&] { file_->write(data, size); });
    written_ += size;
    if (progress_) progress_(written_, std::max(size_hint_, written_));
  }

  void commit() override {
    if (!file_) throw StoreError(StoreErrorKind::kOther, failure_prefix_ + "the stream was already committed or failed");
    guard([&] { file_->commit(/*replace=*/true); });
    file_.reset();
    if (progress_) progress_(written_, written_);
  }

  uint64_t bytes_written() const override { return written_; }

 private:
  template <typename Step>
  void guard(Step step) {
    try {
      step();
    } catch (const std::system_error& e) {
      file_.reset();  // spent: its temporary file goes
      // As for upload_object: a missing or existing path is a folder we could
      // not create, not "object not found" or "already exists".
      int error = e.code().value();
      if (error == ENOENT || error == ENOTDIR || error == EEXIST) error = EINVAL;
      throw_store_error(failure_prefix_ + e.what(), error);
    }
  }

  std::string failure_prefix_;  // "upload of 'a/b.pt' to file:/// failed: "
  uint64_t size_hint_;
  ProgressFn progress_;
  std::unique_ptr<AtomicFile> file_;
  uint64_t written_ = 0;
};

// The root a file:// URI names: its authority must be empty or "localhost".
std::string root_of_file_uri(const Uri& location) {
  if (!location.bucket.empty() && location.bucket != "localhost") {
    throw ConfigError("file URI 'file://" + location.bucket + "/" + location.path + "' names host '" +
                      location.bucket + "'; local paths need three slashes: file:///absolute/path");
  }
  return "/";
}

}  // namespace

LocalStore::LocalStore(const std::string& root) : root_(fs::absolute(root).lexically_normal().string()) {
  // "/x/" and "/x" are the same root; keep "/" itself.
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::unique_ptr<ObjectStore> LocalStore::create(const Uri& location, const nlohmann::json& config) {
  Config cfg("object store 'local'", config);
  std::string root;
  if (cfg.has("root") && !config.at("root").is_null()) {
    root = cfg.require<std::string>("root");
    if (root.empty()) cfg.fail("root", "is empty; give the folder that holds the objects");
  } else if (!location.scheme.empty()) {
    root = root_of_file_uri(location);
  } else {
    cfg.fail("root", "is required when the store is opened by name (e.g. {\"root\": \"/data/checkpoints\"})");
  }
  cfg.finish();
  return std::make_unique<LocalStore>(root);
}

std::string LocalStore::store_uri() const { return "file://" + root_; }

std::string LocalStore::get_uri(const std::string& object_name) const {
  return "file://" + (fs::path(root_) / object_name).lexically_normal().generic_string();
}

std::string LocalStore::object_path(const std::string& operation, const std::string& object_name) const {
  if (object_name.empty()) throw StoreError(StoreErrorKind::kOther, failure(operation, object_name, store_uri(), "the object name is empty"));
  const fs::path relative = fs::path(object_name).lexically_normal();
  // An object must stay inside the root: no absolute names, no "..".
  if (relative.is_absolute() || relative.empty() || *relative.begin() == "..") {
    throw StoreError(StoreErrorKind::kOther,
                     failure(operation, object_name, store_uri(), "the name leaves the store's root folder"));
  }
  return (fs::path(root_) / relative).string();
}

void LocalStore::upload_object(const std::string& object_name, const std::string& filename, const ProgressFn& progress) {
  const std::string path = object_path("upload", object_name);
  struct stat info {};
  if (::stat(filename.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    throw StoreError(StoreErrorKind::kOther, failure("upload", object_name, store_uri(),
                                                     "local file '" + filename + "' does not exist or is not a file"));
  }
  try {
    copy_atomically(filename, path, /*replace=*/true, progress);
  } catch (const std::system_error& e) {
    // The source was checked above, and an upload replaces: a missing or
    // existing path now is a folder we could not create (a file in the way),
    // which must not read as "object not found" or "already exists".
    int error = e.code().value();
    if (error == ENOENT || error == ENOTDIR || error == EEXIST) error = EINVAL;
    throw_store_error(failure("upload", object_name, store_uri(), e.what()), error);
  }
}

std::unique_ptr<ObjectWriter> LocalStore::open_writer(const std::string& object_name, uint64_t size_hint,
                                                      const ProgressFn& progress) {
  const std::string path = object_path("upload", object_name);
  return std::make_unique<LocalObjectWriter>(path, failure("upload", object_name, store_uri(), ""), size_hint, progress);
}

void LocalStore::download_object(const std::string& object_name, const std::string& filename, bool overwrite,
                                 const ProgressFn& progress) {
  const std::string path = object_path("download", object_name);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    throw NotFoundError(failure("download", object_name, store_uri(), "not found"));
  }
  if (!overwrite && path_exists(filename)) {
    throw AlreadyExistsError(failure("download", object_name, store_uri(),
                                     "destination '" + filename + "' already exists; pass overwrite to replace it"));
  }
  try {
    copy_atomically(path, filename, overwrite, progress);
  } catch (const std::system_error& e) {
    int error = e.code().value();
    if (error == EEXIST) {
      throw AlreadyExistsError(failure("download", object_name, store_uri(),
                                       "destination '" + filename + "' already exists; pass overwrite to replace it"));
    }
    if (error == ENOENT && path_exists(path)) error = EIO;  // our side, not the object
    throw_store_error(failure("download", object_name, store_uri(), error == ENOENT ? "not found" : e.what()), error);
  }
}

uint64_t LocalStore::get_object_size(const std::string& object_name, const ProgressFn&) {
  const std::string path = object_path("size query", object_name);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    const int error = errno;
    throw_store_error(failure("size query", object_name, store_uri(),
                              error == ENOENT || error == ENOTDIR ? "not found" : std::generic_category().message(error)),
                      error);
  }
  if (!S_ISREG(info.st_mode)) throw NotFoundError(failure("size query", object_name, store_uri(), "not found (a folder)"));
  return static_cast<uint64_t>(info.st_size);
}

std::vector<std::string> LocalStore::list_objects(const std::string& prefix, const ProgressFn&) {
  // Walk only below the deepest folder the prefix names: listing
  // "tmp/run/ep" under root "/" must not visit the whole file system.
  fs::path start(root_);
  const auto last_slash = prefix.rfind('/');
  if (last_slash != std::string::npos) {
    const fs::path folder = fs::path(prefix.substr(0, last_slash)).lexically_normal();
    if (folder.is_absolute() || (!folder.empty() && *folder.begin() == "..")) return {};
    start /= folder;
  }
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return names;
  fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw_store_error("listing of '" + prefix + "' in " + store_uri() + " failed: " + ec.message(), ec.value());
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) throw_store_error("listing of '" + prefix + "' in " + store_uri() + " failed: " + ec.message(), ec.value());
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    const std::string name = it->path().lexically_relative(root_).generic_string();
    const bool half_written = AtomicFile::is_temporary_name(fs::path(name).filename().string());
    if (name.compare(0, prefix.size(), prefix) != 0 || half_written) continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void LocalStore::delete_object(const std::string& object_name, const ProgressFn&) {
  const std::string path = object_path("delete", object_name);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    throw NotFoundError(failure("delete", object_name, store_uri(), "not found"));
  }
  if (::unlink(path.c_str()) != 0) {
    const int error = errno;
    throw_store_error(failure("delete", object_name, store_uri(), std::generic_category().message(error)), error);
  }
}

}  // namespace cairn
