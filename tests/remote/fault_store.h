// A test-only object store that injects failures: a LocalStore rooted at a
// test folder whose uploads can throw TransientError, report success without
// storing anything, or run slowly. Registered through a PluginHost as store
// "faulty" for faulty:// URIs, so runs reach it exactly as they reach S3.
//
// Which upload attempts fail is decided from (object name, attempt number)
// with a fixed hash, so a test's faults are the same on every run.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cairn/object_store.h"
#include "plugin_host/plugin_host.h"

namespace cairn::test {

struct FaultPlan {
  std::string root;  // where the objects live
  // Share of upload attempts (0-100) that throw TransientError.
  int transient_percent = 0;
  // Every upload of a name not ending in ".symlink" throws TransientError
  // (checkpoint uploads fail, pointer uploads are allowed, as Composer's test).
  bool fail_checkpoints = false;
  // The first N upload attempts of every object throw TransientError.
  int fail_first_attempts = 0;
  // The first attempt of every upload reports success but stores nothing.
  bool lose_first_attempt = false;
  // Uploads of names containing this text sleep before storing.
  std::string slow_name_part;
  std::chrono::milliseconds slow_delay{0};

  std::mutex mutex;
  std::map<std::string, int> attempts;  // upload attempts per object name
  int injected = 0;                     // faults injected so far
  std::vector<std::string> landed;      // object names in the order they were stored

  // The attempt number this call is, counting from 0.
  int next_attempt(const std::string& name);
};

// Adds plugin "test_faults" (store "faulty", scheme faulty://) to `host`.
void register_fault_store(PluginHost& host, std::shared_ptr<FaultPlan> plan);

}  // namespace cairn::test
