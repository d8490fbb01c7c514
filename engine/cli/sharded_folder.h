// `cairn inspect` and `cairn verify` on a sharded checkpoint folder (a local
// folder holding .metadata, checkpoint/sharded): the same report as for a
// file, from the reassembled tree; and a check of every data file's SHA-256
// and every item's zip.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cairn::cli {

// inspect_report.h's report of the whole reassembled checkpoint.
nlohmann::json describe_sharded_folder(const std::string& folder);

// Checks the folder and prints what was checked; throws cairn::CheckpointError
// with one line naming the file on the first problem.
void verify_sharded_folder(const std::string& folder);

}  // namespace cairn::cli
