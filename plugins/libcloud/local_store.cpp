#include "local_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "cairn/errors.h"
#include "local_staging.h"
#include "parallel_parts.h"
#include "source_file.h"
#include "temporary_download.h"

namespace libcloud {

namespace fs = std::filesystem;

namespace {

// The folders libcloud's LocalStorageDriver leaves out of every listing.
bool is_ignored_folder(const std::string& name) { return name == ".lock" || name == ".hash"; }

bool is_folder(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// Copies `size` bytes from `in` to `out` in chunks of `chunk`, reporting
// after each. Returns "" or what failed.
std::string copy_chunks(int in, int out, uint64_t size, uint64_t chunk, s3store::PartProgress& reporter) {
  std::unique_ptr<char[]> buffer(new char[chunk]);
  for (uint64_t done = 0; done < size;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(chunk, size - done));
    size_t got = 0;
    while (got < want) {
      const ssize_t n = ::pread(in, buffer.get() + got, want - got, static_cast<off_t>(done + got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return std::string("cannot read: ") + std::strerror(errno);
      if (n == 0) return "the file became shorter while it was copied";
      got += static_cast<size_t>(n);
    }
    const std::string problem = write_all(out, buffer.get(), want);
    if (!problem.empty()) return problem;
    done += want;
    reporter.add(want);
  }
  return "";
}

}  // namespace

LocalContainerStore::LocalContainerStore(LocalSettings settings) : settings_(std::move(settings)) {
  const std::string owner = "object store 'libcloud' (provider 'local')";
  if (settings_.base_folder.empty() || !is_folder(settings_.base_folder)) {
    throw cairn::ConfigError(owner + ": the base folder '" + settings_.base_folder +
                             "' (provider_kwargs.key) is not a folder; give the folder that holds the containers");
  }
  const std::string& c = settings_.container;
  if (c.empty() || c == ".." || c.find('/') != std::string::npos || c.find('\\') != std::string::npos) {
    throw cairn::ConfigError(owner + ": container '" + c +
                             "' is not a container name; give the name of a folder inside '" + settings_.base_folder + "'");
  }
  container_path_ = (fs::path(settings_.base_folder) / c).string();
  if (!is_folder(container_path_)) {
    throw cairn::ConfigError(owner + ": container '" + c + "' does not exist (no folder '" + container_path_ +
                             "'); create that folder first, as libcloud's create_container does");
  }
}

std::string LocalContainerStore::get_uri(const std::string& object_name) const {
  return settings_.uri_scheme + "://" + settings_.container + "/" + object_name;
}

void LocalContainerStore::fail(const std::string& operation, const std::string& object_name, const std::string& step) const {
  throw cairn::StoreError(cairn::StoreErrorKind::kOther, operation + " of '" + get_uri(object_name) + "' failed: " + step);
}

std::string LocalContainerStore::path_of(const std::string& operation, const std::string& object_name) const {
  const auto refuse = [&](const std::string& why) -> std::string {
    fail(operation, object_name, "the object name " + why);
  };
  if (object_name.empty()) refuse("is empty");
  if (object_name.front() == '/' || object_name.back() == '/') refuse("may not start or end with '/'");
  size_t start = 0;
  while (start <= object_name.size()) {
    const size_t slash = object_name.find('/', start);
    const std::string part = object_name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") refuse("has an empty, '.' or '..' component");
    if (is_ignored_folder(part)) refuse("has a '" + part + "' component, a folder libcloud's listings skip");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return container_path_ + "/" + object_name;
}

void LocalContainerStore::upload_object(const std::string& object_name, const std::string& filename,
                                        const cairn::ProgressFn& progress) {
  const std::string operation = "upload";
  const std::string target = path_of(operation, object_name);
  const std::string what = operation + " of '" + get_uri(object_name) + "'";
  const s3store::SourceFile source(filename, what);
  StagedFile staged(container_path_, what);
  s3store::PartProgress reporter(progress, source.size());
  const std::string problem = copy_chunks(source.fd(), staged.fd(), source.size(), settings_.chunk_size, reporter);
  if (!problem.empty()) fail(operation, object_name, problem);
  staged.publish(target);
}

void LocalContainerStore::download_object(const std::string& object_name, const std::string& filename, bool overwrite,
                                          const cairn::ProgressFn& progress) {
  const std::string what = "download of '" + get_uri(object_name) + "'";
  if (!overwrite && s3store::path_exists(filename)) {
    throw cairn::AlreadyExistsError(what + " failed: destination '" + filename +
                                    "' already exists; pass overwrite to replace it");
  }
  const std::string path = path_of("download", object_name);
  if (is_folder(path) || ::access(path.c_str(), F_OK) != 0) {
    throw cairn::NotFoundError(what + " failed: the object does not exist (no file '" + path + "')");
  }
  const s3store::SourceFile source(path, what);
  s3store::TemporaryDownload temporary(filename, what);
  s3store::PartProgress reporter(progress, source.size());
  const std::string problem = copy_chunks(source.fd(), temporary.fd(), source.size(), settings_.chunk_size, reporter);
  if (!problem.empty()) throw cairn::StoreError(cairn::StoreErrorKind::kOther, what + " failed: " + problem);
  temporary.publish(filename, overwrite);
}

uint64_t LocalContainerStore::get_object_size(const std::string& object_name, const cairn::ProgressFn&) {
  const std::string path = path_of("size query", object_name);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || S_ISDIR(info.st_mode)) {
    throw cairn::NotFoundError("size query of '" + get_uri(object_name) + "' failed: the object does not exist (no file '" +
                               path + "')");
  }
  return static_cast<uint64_t>(info.st_size);
}

std::vector<std::string> LocalContainerStore::list_objects(const std::string& prefix, const cairn::ProgressFn&) {
  // Walk only the deepest folder the prefix names whole.
  const size_t slash = prefix.rfind('/');
  const std::string folder = slash == std::string::npos ? "" : prefix.substr(0, slash);
  const fs::path root = folder.empty() ? fs::path(container_path_) : fs::path(container_path_) / folder;
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return names;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) fail("list", prefix, "cannot read the folder '" + root.string() + "': " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) fail("list", prefix, "cannot read below '" + root.string() + "': " + ec.message());
    const std::string leaf = it->path().filename().string();
    if (it->is_directory(ec)) {
      if (is_ignored_folder(leaf)) it.disable_recursion_pending();
      continue;
    }
    // Files, and symlinks to files (libcloud lists what os.walk calls files);
    // a dangling symlink is no object.
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().lexically_relative(container_path_).generic_string();
    if (name.compare(0, prefix.size(), prefix) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void LocalContainerStore::delete_object(const std::string& object_name, const cairn::ProgressFn&) {
  const std::string path = path_of("delete", object_name);
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || S_ISDIR(info.st_mode)) {
    throw cairn::NotFoundError("delete of '" + get_uri(object_name) + "' failed: the object does not exist (no file '" +
                               path + "')");
  }
  if (::unlink(path.c_str()) != 0) fail("delete", object_name, "cannot remove '" + path + "': " + std::strerror(errno));
  for (fs::path parent = fs::path(path).parent_path(); parent != fs::path(container_path_);
       parent = parent.parent_path()) {
    if (::rmdir(parent.c_str()) != 0) break;  // not empty (or in use): it stays, as in libcloud
  }
}

}  // namespace libcloud
