#include "checkpoint/saver/conflict_check.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <vector>

#include "cairn/errors.h"
#include "checkpoint/saver/name_format.h"
#include "checkpoint/saver/template_fields.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;

const std::set<std::string>& counter_names() {
  static const std::set<std::string> names = {"epoch",  "batch", "batch_in_epoch", "sample", "sample_in_epoch",
                                              "token", "token_in_epoch"};
  return names;
}

int64_t counter_of(const Timestamp& ts, const std::string& name) {
  if (name == "epoch") return ts.epoch;
  if (name == "batch") return ts.batch;
  if (name == "batch_in_epoch") return ts.batch_in_epoch;
  if (name == "sample") return ts.sample;
  if (name == "sample_in_epoch") return ts.sample_in_epoch;
  if (name == "token") return ts.token;
  return ts.token_in_epoch;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string regex_escape(const std::string& text) {
  static const std::string special = "\\^$.|?*+()[]{}";
  std::string out;
  for (char c : text) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// The template as a regex, with the regex group of each time counter. Every
// occurrence gets its own group, and repeats are compared after matching:
// textual back-references ("\\1") misread a following digit as part of the
// group number and break past nine groups.
struct NamePattern {
  std::regex regex;
  std::vector<std::pair<std::string, size_t>> counters;  // name -> group, in template order, repeats included

  // The counters of `name`, or nothing when it is not a name of the template.
  std::optional<std::map<std::string, int64_t>> read(const std::string& name) const;
};

int64_t parse_counter(const std::string& digits) {
  try {
    return std::stoll(digits);
  } catch (const std::out_of_range&) {
    return INT64_MAX;  // beyond any run: certainly in its future
  }
}

std::optional<std::map<std::string, int64_t>> NamePattern::read(const std::string& name) const {
  std::smatch match;
  if (!std::regex_match(name, match, regex)) return std::nullopt;
  std::map<std::string, int64_t> found;
  for (const auto& [counter, group] : counters) {
    const int64_t value = parse_counter(match[group].str());
    const auto [it, fresh] = found.emplace(counter, value);
    if (!fresh && it->second != value) return std::nullopt;  // the same counter must read the same
  }
  return found;
}

NamePattern compile(const std::string& filename_template, const std::map<std::string, std::string>& dist_values) {
  NamePattern pattern;
  std::string re;
  size_t groups = 0;
  bool has_epoch = false;
  std::vector<std::string> in_epoch_units;
  for (const TemplatePiece& piece : split_template(filename_template, "filename '" + filename_template + "'")) {
    if (!piece.is_field) {
      re += regex_escape(piece.text);
      continue;
    }
    if (counter_names().count(piece.name) != 0) {
      has_epoch = has_epoch || piece.name == "epoch";
      if (ends_with(piece.name, "_in_epoch")) in_epoch_units.push_back(piece.name);
      re += "([0-9]+)";
      pattern.counters.emplace_back(piece.name, ++groups);
    } else if (dist_values.count(piece.name) != 0) {
      re += regex_escape(partial_format(piece.text, dist_values));
    } else {
      // Wall-clock fields, unset dist fields, anything unknown: cannot be
      // predicted, so they match any text rather than failing the run.
      re += "(?:.*)";
    }
  }
  if (!in_epoch_units.empty() && !has_epoch) {
    throw ConfigError("filename '" + filename_template + "' has {" + in_epoch_units.front() +
                      "} but not {epoch}, so names repeat every epoch; add {epoch} to the filename");
  }
  pattern.regex = std::regex(re, std::regex::ECMAScript);
  return pattern;
}

std::string without_leading_slashes(const std::string& name) {
  const size_t first = name.find_first_not_of('/');
  return first == std::string::npos ? std::string() : name.substr(first);
}

// Entries of `folder` as relative paths, down as many levels as the template has.
std::vector<std::string> list_entries(const fs::path& folder, int levels) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().lexically_relative(folder).generic_string());
    if (it.depth() >= levels) it.disable_recursion_pending();
  }
  if (ec) {
    throw ConfigError("save_folder '" + folder.string() + "' cannot be listed (" + ec.message() +
                      ") to check for conflicting checkpoints; fix its permissions or choose another save_folder");
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

void ensure_folder_has_no_conflicting_files(const std::string& folder, const std::string& filename_template,
                                            const std::string& run_name, const DistInfo& dist, const Timestamp& now) {
  const std::string name = without_leading_slashes(filename_template);
  const NamePattern pattern = compile(name, dist_format_values(run_name, dist));
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return;

  const int levels = int(std::count(name.begin(), name.end(), '/'));
  for (const std::string& entry : list_entries(folder, levels)) {
    const auto found = pattern.read(entry);
    if (!found) continue;
    for (const auto& [counter, theirs] : *found) {
      // An *_in_epoch counter only orders files within the run's current epoch.
      if (ends_with(counter, "_in_epoch") && found->at("epoch") != now.epoch) continue;
      const int64_t ours = counter_of(now, counter);
      if (theirs > ours) {
        throw ConfigError("'" + (fs::path(folder) / entry).string() +
                          "' may conflict with a future checkpoint of this run (it is at " + counter + " " +
                          std::to_string(theirs) + ", the run is at " + counter + " " + std::to_string(ours) +
                          "); delete it, choose another save_folder, or set save_overwrite");
      }
    }
  }
}

bool could_be_checkpoint_name(const std::string& name, const std::string& filename_template,
                              const std::string& run_name, const DistInfo& dist) {
  const NamePattern pattern = compile(without_leading_slashes(filename_template), dist_format_values(run_name, dist));
  return pattern.read(without_leading_slashes(name)).has_value();
}

}  // namespace cairn
