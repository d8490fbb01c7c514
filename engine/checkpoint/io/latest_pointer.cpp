#include "checkpoint/io/latest_pointer.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace cairn::checkpoint {

bool is_pointer_name(const std::string& object_name) {
  const size_t n = std::strlen(kPointerSuffix);
  return object_name.size() > n && object_name.compare(object_name.size() - n, n, kPointerSuffix) == 0;
}

std::string read_pointer_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::string target = text.str();
  while (!target.empty() && (target.back() == '\n' || target.back() == '\r')) target.pop_back();
  return target;
}

}  // namespace cairn::checkpoint
