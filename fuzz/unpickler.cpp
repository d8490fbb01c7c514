// Cairn's restricted unpickler on its own: the input is a data.pkl as
// torch.save and Composer write it. Storages "0" to "7" exist (64 bytes
// each); any other key is a missing record.
// Oracles: the only exception is CheckpointError, in one line, naming the
// file; anything else aborts (uncaught), as do memory errors.
#include <cstdint>
#include <stdexcept>
#include <string>

#include <c10/core/CPUAllocator.h>
#include <c10/core/StorageImpl.h>

#include "cairn/errors.h"
#include "checkpoint/pickle/restricted_unpickler.h"
#include "fuzz_check.h"

namespace {

constexpr uint64_t kRecordBytes = 64;

c10::Storage record(const std::string& key, uint64_t nbytes) {
  if (key.size() != 1 || key[0] < '0' || key[0] > '7') throw std::runtime_error("no record data/" + key);
  if (nbytes > kRecordBytes) throw std::runtime_error("record data/" + key + " is shorter");
  return c10::Storage(c10::Storage::use_byte_size_t(), kRecordBytes, c10::GetCPUAllocator(), /*resizable=*/false);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)cairn::checkpoint::pickle::unpickle_restricted(reinterpret_cast<const char*>(data), size, record,
                                                         "fuzz.pkl");
  } catch (const cairn::CheckpointError& e) {
    const std::string message = e.what();
    FUZZ_CHECK(is_one_line(message), message);
    FUZZ_CHECK(message.find("fuzz.pkl") != std::string::npos, message);
  }
  return 0;
}
