#include "checkpoint/io/file_span.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace cairn::checkpoint {

FileSpan FileSpan::whole_file(int fd) {
  struct stat st {};
  return FileSpan{fd, 0, ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0};
}

ssize_t FileSpan::pread(void* buf, size_t n, uint64_t pos) const {
  if (pos >= size) return 0;
  n = static_cast<size_t>(std::min<uint64_t>(n, size - pos));
  return ::pread(fd, buf, n, static_cast<off_t>(start + pos));
}

}  // namespace cairn::checkpoint
