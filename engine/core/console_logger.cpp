#include "core/console_logger.h"

#include <iostream>

namespace cairn {

void ConsoleLogger::log_metrics(const std::map<std::string, double>&, const Timestamp&) {}

void ConsoleLogger::info(const std::string& message) {
  if (verbose_) std::cerr << "cairn: " << message << "\n";
}

void ConsoleLogger::warn(const std::string& message) { std::cerr << "cairn: warning: " << message << "\n"; }

}  // namespace cairn
