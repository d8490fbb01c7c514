#include "plugin_host/builtins.h"

#include <nlohmann/json.hpp>

#include "cairn/registrar.h"
#include "checkpoint/saver/checkpoint_saver.h"
#include "plugin_host/plugin_host.h"
#include "remote/remote_uploader_downloader.h"
#include "store/local_store.h"

namespace cairn {

void register_engine_builtins(PluginHost& host) {
  host.add_builtin("builtin", "Factories compiled into the Cairn engine", [&host](Registrar& registrar) {
    registrar.add_object_store("local", {"file"}, &LocalStore::create,
                               "a folder on this machine: file:///abs/path or {\"root\": \"/abs/path\"}");
    registrar.add_callback(
        "CheckpointSaver",
        [](const nlohmann::json& config) -> std::unique_ptr<Callback> {
          return std::make_unique<CheckpointSaver>(CheckpointSaverOptions::from_json(config));
        },
        "saves checkpoints; config: folder, filename, latest_filename, save_interval, overwrite, "
        "num_checkpoints_to_keep, weights_only, ignore_keys, remote_file_name, latest_remote_file_name "
        "(Composer's CheckpointSaver arguments)");
    // The stores it uploads to come from this host, by the bucket URI's scheme.
    // They are opened when the callback is made, while the host is alive.
    registrar.add_callback(
        "RemoteUploaderDownloader",
        [&host](const nlohmann::json& config) -> std::unique_ptr<Callback> {
          return RemoteUploaderDownloader::open(RemoteUploaderDownloaderOptions::from_json(config), host);
        },
        "uploads every file handed to the logger (checkpoints) in the background; config: bucket_uri, "
        "backend_kwargs, file_path_format_string, num_concurrent_uploads, upload_staging_folder, num_attempts "
        "(Composer's arguments; use_procs is ignored)");
  });
}

}  // namespace cairn
