// Reading a checkpoint file: content sniffing, the tar and compressed
// containers (libarchive), the zip (PyTorch's reader) and the pickle, as
// `cairn fit --load-path` and `cairn inspect` read them. The input is the
// file's bytes, written to a file of this process.
// Oracles: the only exception is CheckpointError, in one line, naming the
// file; anything else aborts (uncaught), as do memory errors.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "cairn/errors.h"
#include "checkpoint/io/archive_extract.h"
#include "checkpoint/io/checkpoint_file.h"
#include "fuzz_check.h"

namespace {

const std::string& input_path() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string p = std::string(tmp && *tmp ? tmp : "/tmp") + "/cairn-fuzz-checkpoint-" + std::to_string(::getpid());
    std::atexit([] { std::remove(input_path().c_str()); });
    return p;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A small file may declare gigabytes once unpacked; the reader's bound is
  // what is tested, so keep it small enough for a fuzzer's memory and disk.
  ::setenv(cairn::checkpoint::kMaxDecompressedBytesVariable, "16777216", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(input_path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    (void)cairn::checkpoint::read_checkpoint(input_path(), "fuzz.pt");
  } catch (const cairn::CheckpointError& e) {
    const std::string message = e.what();
    FUZZ_CHECK(is_one_line(message), message);
    FUZZ_CHECK(message.find("fuzz.pt") != std::string::npos, message);
  }
  return 0;
}
