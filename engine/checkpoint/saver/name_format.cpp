#include "checkpoint/saver/name_format.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "cairn/errors.h"
#include "checkpoint/saver/template_fields.h"

namespace cairn {
namespace {

// Python's format-spec mini-language, the parts a file name can use.
struct Spec {
  char fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0 for the type's default
  char sign = '-';
  long width = 0;
  long precision = -1;
  char type = 0;
};

[[noreturn]] void bad_spec(const std::string& format, const TemplatePiece& field, const std::string& why) {
  throw ConfigError("name template '" + format + "': field " + field.text + " " + why +
                    "; use a spec like {epoch:04d} or drop the spec");
}

bool is_align(char c) { return c == '<' || c == '>' || c == '^' || c == '='; }

Spec parse_spec(const std::string& format, const TemplatePiece& field) {
  const std::string& s = field.spec;
  Spec spec;
  size_t i = 0;
  if (s.size() >= 2 && is_align(s[1])) {
    spec.fill = s[0];
    spec.align = s[1];
    i = 2;
  } else if (!s.empty() && is_align(s[0])) {
    spec.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) spec.sign = s[i++];
  if (i < s.size() && s[i] == '0') {
    if (spec.align == 0) {
      spec.fill = '0';
      spec.align = '=';
    }
    ++i;
  }
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) spec.width = spec.width * 10 + (s[i++] - '0');
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i == s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) bad_spec(format, field, "has no digits after '.'");
    spec.precision = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      spec.precision = spec.precision * 10 + (s[i++] - '0');
    }
  }
  if (i < s.size()) spec.type = s[i++];
  if (i != s.size() || (spec.type != 0 && spec.type != 'd' && spec.type != 'f' && spec.type != 'F' && spec.type != 's')) {
    bad_spec(format, field, "has a spec that file names do not support (only fill, align, sign, 0, width, precision "
                            "and the types d, f, s)");
  }
  return spec;
}

bool is_integer_text(const std::string& v) {
  const size_t start = (!v.empty() && v[0] == '-') ? 1 : 0;
  if (v.size() == start) return false;
  for (size_t i = start; i < v.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

bool parse_double(const std::string& v, double& out) {
  if (v.empty()) return false;
  char* end = nullptr;
  out = std::strtod(v.c_str(), &end);
  return end == v.c_str() + v.size();
}

std::string pad(std::string body, const Spec& spec, bool numeric) {
  std::string sign;
  if (numeric && !body.empty() && (body[0] == '-' || body[0] == '+')) {
    sign = body.substr(0, 1);
    body.erase(0, 1);
  }
  if (numeric && sign.empty() && spec.sign != '-') sign = std::string(1, spec.sign);
  const long have = long(sign.size() + body.size());
  if (have >= spec.width) return sign + body;
  const size_t gap = size_t(spec.width - have);
  const char align = spec.align != 0 ? spec.align : (numeric ? '>' : '<');
  switch (align) {
    case '<': return sign + body + std::string(gap, spec.fill);
    case '^': return std::string(gap / 2, spec.fill) + sign + body + std::string(gap - gap / 2, spec.fill);
    case '=': return sign + std::string(gap, spec.fill) + body;
    default: return std::string(gap, spec.fill) + sign + body;
  }
}

std::string apply_spec(const std::string& format, const TemplatePiece& field, const std::string& value) {
  if (!field.conversion.empty() && field.conversion != "s") {
    bad_spec(format, field, "uses the conversion '!" + field.conversion + "', which file names do not support");
  }
  if (field.spec.empty()) return value;
  if (field.spec.find('{') != std::string::npos) bad_spec(format, field, "has a nested field in its spec");
  const Spec spec = parse_spec(format, field);
  double number = 0;
  const bool integer = is_integer_text(value);
  const bool numeric = integer || parse_double(value, number);

  if (spec.type == 'd' || (spec.type == 0 && integer)) {
    if (!integer) bad_spec(format, field, "asks for an integer but its value is '" + value + "'");
    if (spec.precision >= 0) bad_spec(format, field, "gives a precision to an integer");
    return pad(value, spec, true);
  }
  if (spec.type == 'f' || spec.type == 'F') {
    if (!numeric) bad_spec(format, field, "asks for a number but its value is '" + value + "'");
    if (integer) number = std::stod(value);
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", int(spec.precision >= 0 ? spec.precision : 6), number);
    return pad(buf, spec, true);
  }
  if (spec.type == 0 && numeric) {
    // A float without a type: Python would switch to its 'g'-like form when
    // given a precision; names have no use for that.
    if (spec.precision >= 0) bad_spec(format, field, "gives a precision without a type; add 'f'");
    return pad(value, spec, true);
  }
  if (spec.align == '=') bad_spec(format, field, "uses '=' alignment on text");
  std::string text = spec.precision >= 0 ? value.substr(0, size_t(spec.precision)) : value;
  return pad(text, spec, false);
}

}  // namespace

std::string partial_format(const std::string& format, const std::map<std::string, std::string>& values) {
  std::string out;
  for (const TemplatePiece& piece : split_template(format, "name template '" + format + "'")) {
    if (!piece.is_field) {
      out += piece.text;
      continue;
    }
    auto it = values.find(piece.name);
    out += it == values.end() ? piece.text : apply_spec(format, piece, it->second);
  }
  return out;
}

std::string python_float_str(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, then Python's choice between fixed and
  // scientific (repr switches to an exponent below 1e-4 and from 1e16 up).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);
  const size_t e = sci.find('e');
  const int exponent = std::stoi(sci.substr(e + 1));
  if (exponent < -4 || exponent >= 16) return sci;

  std::string mantissa = sci.substr(0, e);
  std::string sign;
  if (mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  std::string out;
  if (exponent < 0) {
    out = "0." + std::string(size_t(-exponent - 1), '0') + digits;
  } else if (size_t(exponent) + 1 >= digits.size()) {
    out = digits + std::string(size_t(exponent) + 1 - digits.size(), '0') + ".0";
  } else {
    out = digits.substr(0, size_t(exponent) + 1) + "." + digits.substr(size_t(exponent) + 1);
  }
  return sign + out;
}

const std::set<std::string>& dist_field_names() {
  static const std::set<std::string> names = {"run_name", "rank", "local_rank", "world_size", "local_world_size",
                                              "node_rank"};
  return names;
}

const std::set<std::string>& time_field_names() {
  static const std::set<std::string> names = {"epoch",   "batch",          "batch_in_epoch", "sample",
                                              "sample_in_epoch", "token", "token_in_epoch", "total_wct",
                                              "epoch_wct",       "batch_wct"};
  return names;
}

void check_template_fields(const std::string& format, const std::set<std::string>& allowed, const std::string& setting) {
  for (const TemplatePiece& piece : split_template(format, setting + " '" + format + "'")) {
    if (!piece.is_field || allowed.count(piece.name) != 0) continue;
    std::string known;
    for (const std::string& name : allowed) known += (known.empty() ? "{" : ", {") + name + "}";
    throw ConfigError(setting + " '" + format + "' has the unknown field " + piece.text + "; use one of " + known +
                      ", or write '{{' and '}}' for literal braces");
  }
}

std::map<std::string, std::string> dist_format_values(const std::string& run_name, const DistInfo& dist) {
  std::map<std::string, std::string> values{{"run_name", run_name}};
  auto put = [&](const char* key, const std::optional<int>& v) {
    if (v) values[key] = std::to_string(*v);
  };
  put("rank", dist.rank);
  put("local_rank", dist.local_rank);
  put("world_size", dist.world_size);
  put("local_world_size", dist.local_world_size);
  put("node_rank", dist.node_rank);
  return values;
}

std::map<std::string, std::string> time_format_values(const Timestamp& ts) {
  return {
      {"epoch", std::to_string(ts.epoch)},
      {"batch", std::to_string(ts.batch)},
      {"batch_in_epoch", std::to_string(ts.batch_in_epoch)},
      {"sample", std::to_string(ts.sample)},
      {"sample_in_epoch", std::to_string(ts.sample_in_epoch)},
      {"token", std::to_string(ts.token)},
      {"token_in_epoch", std::to_string(ts.token_in_epoch)},
      {"total_wct", python_float_str(ts.total_wct)},
      {"epoch_wct", python_float_str(ts.epoch_wct)},
      {"batch_wct", python_float_str(ts.batch_wct)},
  };
}

std::string format_name_with_dist(const std::string& format, const std::string& run_name, const DistInfo& dist) {
  return partial_format(format, dist_format_values(run_name, dist));
}

std::string format_name_with_dist_and_time(const std::string& format, const std::string& run_name,
                                           const DistInfo& dist, const Timestamp& ts) {
  auto values = dist_format_values(run_name, dist);
  for (auto& [key, value] : time_format_values(ts)) values[key] = value;
  return partial_format(format, values);
}

}  // namespace cairn
