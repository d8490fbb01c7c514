// The CRC-32 (zip's, zlib's polynomial) of a byte range.
//
// The zip writer needs each record's CRC before it writes that record's
// header, so the CRC runs once over every byte of a checkpoint. libdeflate's
// PCLMUL implementation runs at several GB/s on one core, well above the disk,
// which makes computing it inline cheaper than any pipeline around a slower one.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cairn::checkpoint {

uint32_t crc32_of(const void* data, size_t size);
// Continues `crc` (the CRC of the bytes before) over more bytes; crc32_of(d, n) == crc32_update(0, d, n).
uint32_t crc32_update(uint32_t crc, const void* data, size_t size);

}  // namespace cairn::checkpoint
