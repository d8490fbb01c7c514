// Fetching a large object into a file as concurrent byte ranges: the part of
// a download that the s3, libcloud (Azure) and oci stores share. Each store
// says only how one range is asked for (its header, its call's name).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/http/client.h"
#include "parallel_parts.h"

namespace s3store {

// A range of an object's bytes: {first byte, length}.
using ByteSpan = std::pair<uint64_t, uint64_t>;

// Spans of `chunk` bytes (at least one) covering `size` bytes; the last may be shorter.
std::vector<ByteSpan> spans_of_size(uint64_t size, uint64_t chunk);

// "FIRST-LAST", the inclusive bounds an HTTP Range header names.
std::string range_bounds(const ByteSpan& span);

// Sizes `fd` to `size`, then runs fetch(span, sink) for every span on `pool`,
// each sink writing at its span's offset in `fd`; a span counts towards
// `progress` once its fetch returns. `what` names the transfer in errors
// ("download of 's3://b/k'"). Rethrows the first failed fetch.
void fetch_spans(int fd, uint64_t size, const std::vector<ByteSpan>& spans, PartPool& pool, PartProgress& progress,
                 const std::string& what,
                 const std::function<void(const ByteSpan& span, const cairn::http::ResponseSink& sink)>& fetch);

}  // namespace s3store
