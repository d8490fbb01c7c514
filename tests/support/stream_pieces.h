// Feeding a streamed upload (cairn::ObjectWriter) as a serializer does: in
// pieces of many sizes, from one byte to a few MiB, so that pieces straddle
// part boundaries in every way. Shared by the stores' stream tests.
#pragma once

#include <algorithm>
#include <string>

#include "cairn/object_writer.h"

namespace cairn::test {

inline void write_in_pieces(cairn::ObjectWriter& writer, const std::string& data) {
  for (size_t at = 0, step = 1; at < data.size(); at += step, step = step * 5 % (3 << 20) + 1) {
    writer.write(data.data() + at, std::min(step, data.size() - at));
  }
}

}  // namespace cairn::test
