#include "ranged_fetch.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cairn/errors.h"

namespace s3store {

std::vector<ByteSpan> spans_of_size(uint64_t size, uint64_t chunk) {
  chunk = std::max<uint64_t>(1, chunk);
  std::vector<ByteSpan> spans;
  for (uint64_t first = 0; first < size; first += chunk) spans.emplace_back(first, std::min(chunk, size - first));
  return spans;
}

std::string range_bounds(const ByteSpan& span) {
  return std::to_string(span.first) + "-" + std::to_string(span.first + span.second - 1);
}

void fetch_spans(int fd, uint64_t size, const std::vector<ByteSpan>& spans, PartPool& pool, PartProgress& progress,
                 const std::string& what,
                 const std::function<void(const ByteSpan& span, const cairn::http::ResponseSink& sink)>& fetch) {
  // Sized up front, so that ranges landing out of order never leave a hole
  // that a later write has to fill in.
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            what + " failed: cannot size the temporary file: " + std::strerror(errno));
  }
  pool.run(spans.size(), [&](uint64_t index) {
    const ByteSpan& span = spans[index];
    fetch(span, cairn::http::ResponseSink::file_at(fd, span.first));
    progress.add(span.second);
  });
}

}  // namespace s3store
