#include "checked_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "cairn/errors.h"
#include "cairn/http/crypto.h"

namespace checked_store {

namespace fs = std::filesystem;

namespace {

const char* const kSidecar = ".sha256";
const char* const kTemp = ".checked-tmp";

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

// Removes a temporary file unless disarmed.
struct TempFile {
  std::string path;
  int fd = -1;
  explicit TempFile(const fs::path& next_to) {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    path = (next_to.parent_path() / ("." + next_to.filename().string() + "." + std::to_string(random()) + kTemp)).string();
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  }
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

// Streams `source` into a new temporary file next to `destination`, hashing
// as it goes; returns the digest and leaves the synced temp file for the
// caller to rename. Throws std::runtime_error naming the failing step.
std::string copy_hashing(const std::string& source, TempFile& temp, const cairn::ProgressFn& progress) {
  if (temp.fd < 0) throw std::runtime_error("cannot create '" + temp.path + "': " + std::strerror(errno));
  std::ifstream in(source, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open '" + source + "': " + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const uint64_t total = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  cairn::http::Sha256 hash;
  std::vector<char> buffer(1 << 20);
  uint64_t done = 0;
  if (progress) progress(0, total);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    hash.update(buffer.data(), n);
    for (size_t written = 0; written < n;) {
      const ssize_t w = ::write(temp.fd, buffer.data() + written, n - written);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw std::runtime_error("writing '" + temp.path + "': " + std::strerror(errno));
      written += static_cast<size_t>(w);
    }
    done += n;
    if (progress && done <= total) progress(done, total);
  }
  if (in.bad()) throw std::runtime_error("reading '" + source + "' failed");
  if (::fsync(temp.fd) != 0) throw std::runtime_error("syncing '" + temp.path + "': " + std::strerror(errno));
  ::close(temp.fd);
  temp.fd = -1;
  if (progress && done != total) progress(done, done);
  return hash.finish_hex();
}

void rename_into_place(TempFile& temp, const std::string& destination) {
  if (::rename(temp.path.c_str(), destination.c_str()) != 0) {
    throw std::runtime_error("renaming '" + temp.path + "' to '" + destination + "': " + std::strerror(errno));
  }
  temp.path.clear();
}

std::string read_recorded_digest(const std::string& sidecar) {
  std::ifstream in(sidecar);
  std::string digest;
  in >> digest;
  return digest;
}

}  // namespace

CheckedStore::CheckedStore(std::string root) : root_(fs::absolute(root).lexically_normal().string()) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string CheckedStore::get_uri(const std::string& object_name) const {
  return "checked://" + (fs::path(root_) / object_name).lexically_normal().generic_string();
}

std::string CheckedStore::message(const std::string& operation, const std::string& object_name,
                                  const std::string& cause) const {
  return operation + " of '" + object_name + "' " + (operation == "upload" ? "to" : "from") + " checked://" + root_ +
         " failed: " + cause;
}

std::string CheckedStore::path_of(const std::string& operation, const std::string& object_name) const {
  const fs::path relative = fs::path(object_name).lexically_normal();
  if (object_name.empty() || relative.is_absolute() || relative.empty() || *relative.begin() == "..") {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            message(operation, object_name, "the name is empty or leaves the store's root folder"));
  }
  return (fs::path(root_) / relative).string();
}

void CheckedStore::upload_object(const std::string& object_name, const std::string& filename,
                                 const cairn::ProgressFn& progress) {
  const std::string path = path_of("upload", object_name);
  if (ends_with(object_name, kSidecar)) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            message("upload", object_name, "names ending in .sha256 are reserved for checksums"));
  }
  if (!is_file(filename)) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            message("upload", object_name, "local file '" + filename + "' does not exist"));
  }
  try {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    if (ec) throw std::runtime_error("creating folder: " + ec.message());
    // The sidecar goes first: a crash between the two renames leaves an old
    // object under a new digest, which a download reports, never accepts.
    TempFile object_temp{fs::path(path)};
    const std::string digest = copy_hashing(filename, object_temp, progress);
    const std::string sidecar_path = path + kSidecar;
    TempFile sidecar_temp{fs::path(sidecar_path)};
    if (sidecar_temp.fd < 0) throw std::runtime_error("cannot create '" + sidecar_temp.path + "': " + std::strerror(errno));
    const std::string line = digest + "  " + fs::path(path).filename().string() + "\n";
    if (::write(sidecar_temp.fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(sidecar_temp.fd) != 0) {
      throw std::runtime_error("writing '" + sidecar_temp.path + "': " + std::strerror(errno));
    }
    rename_into_place(sidecar_temp, sidecar_path);
    rename_into_place(object_temp, path);
  } catch (const std::runtime_error& e) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, message("upload", object_name, e.what()));
  }
}

void CheckedStore::download_object(const std::string& object_name, const std::string& filename, bool overwrite,
                                   const cairn::ProgressFn& progress) {
  const std::string path = path_of("download", object_name);
  if (!is_file(path)) throw cairn::NotFoundError(message("download", object_name, "not found"));
  if (!overwrite && exists(filename)) {
    throw cairn::AlreadyExistsError(
        message("download", object_name, "destination '" + filename + "' already exists; pass overwrite to replace it"));
  }
  const std::string expected = read_recorded_digest(path + kSidecar);
  if (expected.empty()) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            message("download", object_name, "its checksum file '" + object_name + kSidecar +
                                                                  "' is missing or empty; upload the object again"));
  }
  std::string actual;
  const fs::path destination = fs::absolute(filename);
  std::error_code ec;
  fs::create_directories(destination.parent_path(), ec);
  TempFile temp{destination};
  try {
    actual = copy_hashing(path, temp, progress);
  } catch (const std::runtime_error& e) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, message("download", object_name, e.what()));
  }
  if (actual != expected) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            message("download", object_name, "SHA-256 mismatch (recorded " + expected + ", stored object has " +
                                                                 actual + "); the stored object is corrupt"));
  }
  try {
    rename_into_place(temp, destination.string());
  } catch (const std::runtime_error& e) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, message("download", object_name, e.what()));
  }
}

uint64_t CheckedStore::get_object_size(const std::string& object_name, const cairn::ProgressFn&) {
  const std::string path = path_of("size query", object_name);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    throw cairn::NotFoundError(message("size query", object_name, "not found"));
  }
  return static_cast<uint64_t>(info.st_size);
}

std::vector<std::string> CheckedStore::list_objects(const std::string& prefix, const cairn::ProgressFn&) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return names;
  for (fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    const std::string name = it->path().lexically_relative(root_).generic_string();
    if (ends_with(name, kSidecar) || ends_with(name, kTemp) || name.compare(0, prefix.size(), prefix) != 0) continue;
    names.push_back(name);
  }
  if (ec) throw cairn::StoreError(cairn::StoreErrorKind::kOther, "listing of checked://" + root_ + " failed: " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

void CheckedStore::delete_object(const std::string& object_name, const cairn::ProgressFn&) {
  const std::string path = path_of("delete", object_name);
  if (!is_file(path)) throw cairn::NotFoundError(message("delete", object_name, "not found"));
  if (::unlink(path.c_str()) != 0) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther, message("delete", object_name, std::strerror(errno)));
  }
  ::unlink((path + kSidecar).c_str());
}

}  // namespace checked_store
