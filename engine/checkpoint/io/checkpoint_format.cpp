#include "checkpoint/io/checkpoint_format.h"

#include <vector>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"

namespace cairn::checkpoint {
namespace {

std::vector<std::string> split_on_dots(const std::string& name) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  for (;;) {
    auto dot = name.find('.', start);
    parts.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

// The suffix after a tar ("tar.<x>") or a pickle ("pt.<x>"), or no compressor.
// Returns false for a name it does not know.
bool compression_for_suffix(const std::string& suffix, Compression& out) {
  if (suffix == "gz") out = Compression::kGzip;
  else if (suffix == "bz2") out = Compression::kBzip2;
  else if (suffix == "xz") out = Compression::kXz;
  else if (suffix == "zst") out = Compression::kZstd;
  else if (suffix == "lz4") out = Compression::kLz4;
  else return false;
  return true;
}

[[noreturn]] void reject(const std::string& filename, const std::string& why) {
  throw ConfigError("checkpoint file name '" + filename + "' " + why + "; use one of the supported " +
                    "extensions: " + supported_checkpoint_extensions());
}

}  // namespace

std::string supported_checkpoint_extensions() {
  return ".pt (or any other name, plain torch.save zip), .tar, .tgz, .tar.gz, .tar.bz2, .tar.xz, "
         ".tar.lzma (xz inside, as Composer), .tar.zst, .tar.lz4, .pt.gz, .pt.bz2, .pt.xz, .pt.lzma, "
         ".pt.zst, .pt.lz4";
}

const char* to_string(Compression compression) {
  switch (compression) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kBzip2: return "bzip2";
    case Compression::kXz: return "xz";
    case Compression::kLzmaAlone: return "lzma";
    case Compression::kZstd: return "zstd";
    case Compression::kLz4: return "lz4";
  }
  return "?";
}

CheckpointFormat checkpoint_format_for(const std::string& filename) {
  const auto slash = filename.find_last_of('/');
  const std::string base = slash == std::string::npos ? filename : filename.substr(slash + 1);
  const auto parts = split_on_dots(base);
  // parts[0] is the stem; only parts[1..] are extensions.
  const size_t n = parts.size();
  CheckpointFormat format;
  if (n >= 2 && (parts[n - 1] == "tar" || parts[n - 1] == "tgz")) {
    format.container = Container::kTar;
    format.compression = parts[n - 1] == "tgz" ? Compression::kGzip : Compression::kNone;
    return format;
  }
  if (n >= 3 && parts[n - 2] == "tar") {
    format.container = Container::kTar;
    const std::string& suffix = parts[n - 1];
    // Composer writes `.tar.lzma` as xz (tarfile mode "w:xz"); so do we.
    if (suffix == "lzma") format.compression = Compression::kXz;
    else if (!compression_for_suffix(suffix, format.compression))
      reject(filename, "looks like a tar archive but '." + suffix + "' is not a compressor Cairn knows");
    return format;
  }
  if (n >= 3 && parts[n - 2] == "pt" && parts[n - 1] != "symlink") {
    format.container = Container::kCompressed;
    const std::string& suffix = parts[n - 1];
    if (suffix == "lzma") format.compression = Compression::kLzmaAlone;
    else if (suffix == "lzo")
      reject(filename, "asks for lzo compression, which needs the external lzop tool and is not supported");
    else if (!compression_for_suffix(suffix, format.compression))
      reject(filename, "ends in '.pt." + suffix + "' but '" + suffix + "' is not a compressor Cairn knows");
    return format;
  }
  return format;
}

void validate_checkpoint_filename(const std::string& filename) { (void)checkpoint_format_for(filename); }

}  // namespace cairn::checkpoint
