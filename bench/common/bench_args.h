// The command line every benchmark driver takes: MODE [PATH] [--FLAG N],
// where --FLAG is its size option (--gib, --mib).
#pragma once

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

namespace cairn::bench {

struct BenchArgs {
  std::string mode;
  std::string path;  // empty when not given
  double size;
};

// Empty when the line does not parse (the caller prints its usage).
inline std::optional<BenchArgs> parse_bench_args(int argc, char** argv, const char* size_flag, double default_size) {
  if (argc < 2) return std::nullopt;
  BenchArgs args{argv[1], "", default_size};
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], size_flag) == 0 && i + 1 < argc) args.size = std::atof(argv[++i]);
    else if (args.path.empty()) args.path = argv[i];
    else return std::nullopt;
  }
  if (args.size <= 0) return std::nullopt;
  return args;
}

}  // namespace cairn::bench
