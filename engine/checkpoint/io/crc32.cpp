#include "checkpoint/io/crc32.h"

#include <libdeflate.h>

namespace cairn::checkpoint {

uint32_t crc32_of(const void* data, size_t size) { return libdeflate_crc32(0, data, size); }

uint32_t crc32_update(uint32_t crc, const void* data, size_t size) { return libdeflate_crc32(crc, data, size); }

}  // namespace cairn::checkpoint
