// Callback plugin "JSONLLogger": a LoggerDestination that writes every metric
// the run logs (the engine's loss and what other callbacks report) to a JSON
// Lines file, one object per log call, flushed line by line:
//
//   {"time": 1764370000.123, "epoch": 0, "batch": 3, "sample": 6, "token": 0,
//    "batch_in_epoch": 3, "total_wct": 0.0123, "metrics": {"loss/train": 1.05}}
//
// "time" is Unix time in seconds; the counters are the timestamp the metrics
// were logged at. Non-finite values are written as null (JSON has no NaN).
//
// `path` (default "{run_name}/metrics-rank{rank}.jsonl", as Composer's
// FileLogger names its file) may use {run_name}, {rank}, {local_rank},
// {world_size}, {local_world_size} and {node_rank}. The file is opened at INIT
// for appending, so a resumed run adds to it instead of truncating it.
//
// State: the number of lines this run (and the runs it resumed from) wrote.
// The path is not state: it comes from this run's config at INIT.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "cairn/destination_callback.h"
#include "cairn/config.h"
#include "cairn/errors.h"
#include "cairn/plugin.h"
#include "cairn/state.h"
#include "cairn/state_reader.h"

namespace {

const char* const kOwner = "callback 'JSONLLogger'";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string format_path(const std::string& pattern, const cairn::State& state) {
  const cairn::DistInfo& d = state.dist;
  std::string path = replace_all(pattern, "{run_name}", state.run_name);
  path = replace_all(path, "{rank}", std::to_string(d.global_rank()));
  path = replace_all(path, "{local_rank}", std::to_string(d.local_rank.value_or(0)));
  path = replace_all(path, "{world_size}", std::to_string(d.size()));
  path = replace_all(path, "{local_world_size}", std::to_string(d.local_world_size.value_or(1)));
  return replace_all(path, "{node_rank}", std::to_string(d.node_rank.value_or(0)));
}

class JSONLLogger : public cairn::DestinationCallback {
 public:
  explicit JSONLLogger(std::string path_pattern) : path_pattern_(std::move(path_pattern)) {}
  ~JSONLLogger() override { close_file(); }

  void on_event(cairn::Event event, cairn::State& state) override {
    if (event == cairn::Event::INIT) open(format_path(path_pattern_, state));
  }

  void log_metrics(const std::map<std::string, double>& metrics, const cairn::Timestamp& at) override {
    if (file_ == nullptr) return;  // closed: the run is over
    nlohmann::json line;
    line["time"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    line["epoch"] = at.epoch;
    line["batch"] = at.batch;
    line["sample"] = at.sample;
    line["token"] = at.token;
    line["batch_in_epoch"] = at.batch_in_epoch;
    line["total_wct"] = at.total_wct;
    line["metrics"] = nlohmann::json::object();
    for (const auto& [name, value] : metrics) line["metrics"][name] = value;  // NaN/inf become null
    const std::string text = line.dump() + "\n";
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
      throw cairn::Error(std::string(kOwner) + ": cannot write to '" + path_ + "': " + std::strerror(errno) +
                         "; free space or choose another path");
    }
    ++lines_written_;
  }

  void close(cairn::State&) noexcept override { close_file(); }

  c10::IValue state_dict() const override {
    auto d = cairn::make_dict();
    d.insert("lines_written", lines_written_);
    return d;
  }

  void load_state_dict(const c10::IValue& state) override {
    cairn::StateReader r(kOwner, state);
    r.read("lines_written", lines_written_);
  }

 private:
  void open(const std::string& path) {
    close_file();
    path_ = path;
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    file_ = std::fopen(path.c_str(), "a");
    if (file_ == nullptr) {
      throw cairn::ConfigError(std::string(kOwner) + ": cannot open '" + path + "' for appending: " +
                               std::strerror(errno) + (ec ? " (creating its folder: " + ec.message() + ")" : "") +
                               "; set \"path\" to a writable file");
    }
  }

  void close_file() noexcept {
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
  }

  std::string path_pattern_;
  std::string path_;
  std::FILE* file_ = nullptr;
  int64_t lines_written_ = 0;
};

void register_jsonl_logger(cairn::Registrar& registrar) {
  registrar.add_callback(
      "JSONLLogger",
      [](const nlohmann::json& json) -> std::unique_ptr<cairn::Callback> {
        cairn::Config cfg(kOwner, json);
        const auto path = cfg.get<std::string>("path", "{run_name}/metrics-rank{rank}.jsonl");
        cfg.finish();
        if (path.empty()) cfg.fail("path", "is empty; give a file path such as \"{run_name}/metrics.jsonl\"");
        return std::make_unique<JSONLLogger>(path);
      },
      "writes every logged metric with its timestamp as JSON Lines; config: path "
      "(\"{run_name}/metrics-rank{rank}.jsonl\")");
  registrar.describe_config("callback", "JSONLLogger", {{"path", "string", "\"{run_name}/metrics-rank{rank}.jsonl\"", "the file to append to; may use {run_name}, {rank} and the other rank fields"}});
}

}  // namespace

CAIRN_PLUGIN("jsonl_logger", "1.0.0", "Metrics as JSON Lines: every logged metric with its timestamp",
             register_jsonl_logger)
