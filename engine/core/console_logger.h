// The default Logger: info and warnings on stderr, metrics nowhere (the CLI's
// progress bar shows the loss; metric destinations are plugins).
#pragma once

#include "cairn/logger.h"

namespace cairn {

class ConsoleLogger : public Logger {
 public:
  explicit ConsoleLogger(bool verbose = true) : verbose_(verbose) {}
  void log_metrics(const std::map<std::string, double>& metrics, const Timestamp& at) override;
  void info(const std::string& message) override;
  void warn(const std::string& message) override;

 private:
  bool verbose_;
};

}  // namespace cairn
