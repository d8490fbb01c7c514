#include "checkpoint/io/read_errors.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
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

bool is_name_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '.'; }

// "module\nname\n" after the GLOBAL opcode at `position`, or nothing; on a
// match `position` moves to the match's last byte.
std::optional<std::string> global_at(const std::string& pickle, size_t& position) {
  size_t at = position + 1;
  std::string parts[2];
  for (std::string& part : parts) {
    while (at < pickle.size() && is_name_char(static_cast<unsigned char>(pickle[at])) && part.size() < 128) {
      part += pickle[at++];
    }
    if (part.empty() || at >= pickle.size() || pickle[at] != '\n') return std::nullopt;
    ++at;
  }
  if (std::isdigit(static_cast<unsigned char>(parts[0][0]))) return std::nullopt;
  position = at - 1;
  return parts[0] + "." + parts[1];
}

// The classes and functions a protocol-2 pickle names with GLOBAL that are
// not torch's own: Python objects (OrderedDict state dicts, timedeltas,
// torchmetrics modules) that only Python's unpickler rebuilds.
std::vector<std::string> python_globals(const std::string& pickle) {
  std::set<std::string> seen;
  std::vector<std::string> found;
  for (size_t at = 0; at < pickle.size(); ++at) {
    if (pickle[at] != 'c') continue;
    // Scanning on after the names, so that a 'c' inside them is not read as another GLOBAL.
    const std::optional<std::string> global = global_at(pickle, at);
    if (!global || global->rfind("torch.", 0) == 0) continue;
    if (seen.insert(*global).second) found.push_back(*global);
  }
  return found;
}

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  // Entry names come from the file: a line break in one must not break the message.
  for (size_t i = 0; i < names.size() && i < kMaxNamed; ++i) out += (i ? ", " : "") + one_line(names[i]);
  if (names.size() > kMaxNamed) out += " and " + std::to_string(names.size() - kMaxNamed) + " more";
  return out;
}

std::string record_text(caffe2::serialize::PyTorchStreamReader& reader, const std::string& name) {
  try {
    auto [data, size] = reader.getRecord(name);
    return std::string(static_cast<const char*>(data.get()), size);
  } catch (const std::exception&) {
    return "";
  }
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

void explain_unreadable_zip(int fd, const std::string& path, const std::string& library_error) {
  const std::optional<std::vector<std::string>> names = zip_entry_names(fd);
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

void explain_unreadable_pickle(caffe2::serialize::PyTorchStreamReader& reader, const std::string& path,
                               const std::string& library_error) {
  const std::string pickle = record_text(reader, "data.pkl");
  const std::vector<std::string> globals = python_globals(pickle);
  if (globals.empty()) not_a_checkpoint(path, "its data.pkl cannot be read: " + library_reason(library_error));
  const bool composer = pickle.find("composer_env_info") != std::string::npos;
  throw CheckpointError("'" + path + "' is " + (composer ? "a Composer checkpoint" : "a PyTorch file") +
                        " written by Python's torch.save, which Cairn cannot read yet: it holds Python objects (" +
                        listed(globals) +
                        "); pick a checkpoint written by cairn fit (torch.load reads those too)");
}

}  // namespace cairn::checkpoint
