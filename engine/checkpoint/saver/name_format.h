// Checkpoint name templates, filled as Composer fills them.
//
//   format_name_with_dist_and_time("ep{epoch}-ba{batch}-rank{rank}.pt", run, dist, ts)
//     -> "ep1-ba12-rank0.pt"
//
// A placeholder that has no value stays in the name as it was written, so a
// template may be filled in stages (folder first, then time fields).
#pragma once

#include <map>
#include <set>
#include <string>

#include "cairn/dist.h"
#include "cairn/time.h"

namespace cairn {

// Python's str.format over named fields, keeping unknown fields literal
// ("{foo}" and "{foo:03d}" stay as written). "{{" and "}}" are escapes. A known
// field may carry a spec: [[fill]align][sign][0][width][.precision][type] with
// type d, f or s (e.g. {epoch:04d}). Throws ConfigError naming the template for
// unbalanced braces or a spec that does not fit its value.
std::string partial_format(const std::string& format, const std::map<std::string, std::string>& values);

// Python's str(float): the shortest text that reads back to the same double,
// with ".0" on whole numbers and an exponent outside 1e-4 <= |x| < 1e16
// (36000.0, 0.5, 1e-05, 1e+16).
std::string python_float_str(double value);

// The names of the dist fields ({run_name}, {rank}, ...) and of the time
// fields ({epoch}, ..., {batch_wct}) the functions below fill.
const std::set<std::string>& dist_field_names();
const std::set<std::string>& time_field_names();

// ConfigError naming `setting` and the template for a field whose name is not
// in `allowed` (Composer's str.format raises KeyError for it; written as is,
// it would put braces into a file name), and for unbalanced braces.
void check_template_fields(const std::string& format, const std::set<std::string>& allowed, const std::string& setting);

// The variables below, as strings.
std::map<std::string, std::string> dist_format_values(const std::string& run_name, const DistInfo& dist);
std::map<std::string, std::string> time_format_values(const Timestamp& ts);

// {run_name}, {rank}, {local_rank}, {world_size}, {local_world_size},
// {node_rank}. Dist fields that are unset stay literal.
std::string format_name_with_dist(const std::string& format, const std::string& run_name, const DistInfo& dist);

// The dist variables plus {epoch}, {batch}, {batch_in_epoch}, {sample},
// {sample_in_epoch}, {token}, {token_in_epoch}, {total_wct}, {epoch_wct},
// {batch_wct} (seconds as Python prints a float: 36000.0, 5.0). As in
// Composer, the iteration counters are not offered.
std::string format_name_with_dist_and_time(const std::string& format, const std::string& run_name,
                                           const DistInfo& dist, const Timestamp& ts);

}  // namespace cairn
