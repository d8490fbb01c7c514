// Names that end up in paths: run names and formatted file / object names.
//
// A run name is filled into folder and file templates ({run_name}), so a '/'
// or '..' in it would move files out of the save folder (RUN_NAME=/etc/evil
// wrote /etc/evil.pt). Every place that takes a run name (flag, config file,
// environment, TrainerOptions, a State handed to a callback) checks it here.
#pragma once

#include <string>

namespace cairn {

// ConfigError "<origin> '<name>' ..." when `name` is empty, is "." or "..",
// holds a '/', or holds a control character (newlines included).
void validate_run_name(const std::string& name, const std::string& origin);

// A formatted file or object name relative to its folder or prefix, with a
// leading '/' dropped (as Composer does). ConfigError naming `setting` and the
// template it came from when the result is empty, has a '..' component, or
// holds a control character: such a name would leave its folder or prefix.
std::string name_inside_folder(const std::string& name, const std::string& setting, const std::string& template_text);

}  // namespace cairn
