// Which on-disk format a checkpoint file name selects.
//
// Composer's rules (composer-behaviour.md section 3.4), with its sharp edges
// fixed: every tar-like or `.pt.<x>` name that names an unknown compressor is
// rejected up front (Composer only fails at the first save), `.tar.zst` and
// `.tar.lz4` are supported, and the first dot-separated part of a name is
// always its stem, so a file called `tar.xyz` or `pt.gz` is a plain checkpoint.
//
//   name ends with                       container        compressor
//   .tar                                  tar              none
//   .tgz / .tar.gz                        tar              gzip
//   .tar.bz2 / .tar.xz / .tar.lzma        tar              bzip2 / xz / xz
//   .tar.zst / .tar.lz4                   tar              zstd / lz4
//   .pt.gz .pt.bz2 .pt.xz                 none (raw zip)   gzip / bzip2 / xz
//   .pt.lzma .pt.zst .pt.lz4              none (raw zip)   lzma-alone / zstd / lz4
//   .pt.symlink, anything else            none (raw zip)   none
#pragma once

#include <string>

namespace cairn::checkpoint {

enum class Container {
  kZip,         // the zip archive itself, as torch.save writes it
  kTar,         // a tar archive whose one member is the zip (kTarMemberName)
  kCompressed,  // the zip, compressed as a single stream (no tar)
};

enum class Compression { kNone, kGzip, kBzip2, kXz, kLzmaAlone, kZstd, kLz4 };

struct CheckpointFormat {
  Container container = Container::kZip;
  Compression compression = Compression::kNone;
};

// Composer's member name inside tar checkpoints.
inline constexpr const char* kTarMemberName = "composer_states.pt";

// The format `filename` selects (only the last path component is looked at).
// Throws cairn::ConfigError for a tar-like or `.pt.<x>` name with an unknown
// or unsupported compressor.
CheckpointFormat checkpoint_format_for(const std::string& filename);

// One line listing the extensions checkpoint_format_for accepts, for messages.
std::string supported_checkpoint_extensions();

const char* to_string(Compression compression);

}  // namespace cairn::checkpoint
