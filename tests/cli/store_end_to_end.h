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

// The S3 store's backend_kwargs for fault runs: 2 s timeouts and `attempts`
// tries per request, within a minute.
nlohmann::json quick_s3_client(int attempts);

// Every fault kind the proxy gives S3 for any request. Not request_timeout: S3
// sends it only for bodies it did not receive in time, and on a HEAD (the
// overwrite check) its 400 has no body, so no client can tell it from a real
// bad request.
std::vector<std::string> s3_fault_kinds();

// The object names `cairn ls URI` prints (it must succeed), in its order.
std::vector<std::string> listed_names(const std::string& uri, const std::filesystem::path& cwd,
                                      const std::map<std::string, std::string>& env = {});

// The checkpoint files (not latest pointers) below `folder`: file name -> path.
std::map<std::string, std::filesystem::path> local_checkpoints(const std::filesystem::path& folder);

// awscli's copy of the object at `uri` ("s3://bucket/key") on the S3 server at
// `endpoint`, downloaded to `to`; fails the test when awscli cannot read it.
std::string aws_get(const std::string& endpoint, const std::string& uri, const std::filesystem::path& to);

// state['model'] of two checkpoints is bitwise equal, as Python's torch.load sees it.
bool same_model_in_python(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace cairn::test
