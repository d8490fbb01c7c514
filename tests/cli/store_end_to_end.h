// What the end-to-end tests of every remote store share (cli_s3_tests,
// tests/oci/cli_oci_tests, tests/libcloud/cli_libcloud_tests): the uploader
// callback flag with quick retries,
// listing through `cairn ls`, the checkpoints a run kept locally, and
// comparing two checkpoints' weights bitwise in Python.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "test_process.h"
#include "test_text.h"

namespace cairn::test {

// `--callback` value: a RemoteUploaderDownloader for `bucket_uri` whose
// uploader retries `attempts` times from 50 ms, so fault runs finish in
// seconds; `backend_kwargs` is the store's config (its own quick retries).
std::string uploader_flag(const std::string& bucket_uri, int attempts, const nlohmann::json& backend_kwargs);

// The object names `cairn ls URI` prints (it must succeed), in its order.
std::vector<std::string> listed_names(const std::string& uri, const std::filesystem::path& cwd,
                                      const std::map<std::string, std::string>& env = {});

// The checkpoint files (not latest pointers) below `folder`: file name -> path.
std::map<std::string, std::filesystem::path> local_checkpoints(const std::filesystem::path& folder);

// state['model'] of two checkpoints is bitwise equal, as Python's torch.load sees it.
bool same_model_in_python(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace cairn::test
