#include "checkpoint/io/read_errors.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "cairn/errors.h"
#include "checkpoint/io/zip_directory.h"
#include "core/one_line.h"

namespace cairn::checkpoint {
namespace {

constexpr size_t kMaxCause = 200;
constexpr size_t kMaxNamed = 4;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  // Entry names come from the file: a line break in one must not break the message.
  for (size_t i = 0; i < names.size() && i < kMaxNamed; ++i) out += (i ? ", " : "") + one_line(names[i]);
  if (names.size() > kMaxNamed) out += " and " + std::to_string(names.size() - kMaxNamed) + " more";
  return out;
}

}  // namespace

void not_a_checkpoint(const std::string& path, const std::string& cause) {
  throw CheckpointError("checkpoint '" + path + "' is truncated or is not a checkpoint (" + cause +
                        "); pick another file or re-save it");
}

std::string library_reason(const std::string& text) {
  std::string s = first_line(text);
  if (s.rfind("[enforce fail at ", 0) == 0) {
    const size_t close = s.find("] ");
    if (close != std::string::npos) s = s.substr(close + 2);
    if (s.rfind(". ", 0) == 0) s = s.substr(2);
  }
  if (s.size() > kMaxCause) s = s.substr(0, kMaxCause) + "...";
  return s;
}

void explain_unreadable_zip(const FileSpan& zip, const std::string& path, const std::string& library_error) {
  const std::optional<std::vector<std::string>> names = zip_entry_names(zip);
  if (!names) not_a_checkpoint(path, "its zip directory is missing or cut short");
  bool has_pickle = false;
  for (const std::string& name : *names) has_pickle = has_pickle || ends_with(name, "/data.pkl");
  if (has_pickle) not_a_checkpoint(path, library_reason(library_error));
  throw CheckpointError("'" + path + "' is a zip archive but not a checkpoint: it has no data.pkl" +
                        (names->empty() ? std::string(" (it is empty)")
                                        : " (it holds " + std::to_string(names->size()) +
                                              (names->size() == 1 ? " entry: " : " entries: ") +
                                              listed(*names) + ")") +
                        "; pick a checkpoint file written by cairn fit, Composer or torch.save");
}

void read_fully(const FileSpan& file, uint64_t pos, char* buf, size_t n, const std::string& path,
                const std::string& cut_short) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = file.pread(buf + done, n - done, pos + done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      throw CheckpointError("cannot read checkpoint '" + path + "' (" + std::strerror(errno) +
                            "); check the disk and the file");
    }
    if (got == 0) not_a_checkpoint(path, cut_short);
    done += static_cast<size_t>(got);
  }
}

}  // namespace cairn::checkpoint
