#include "app/builtins.h"

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
    registrar.describe_config("object_store", "local", {{"root", "string | null", "null", "the folder; null: the file:///path URI's (required when opened by name)", "\"/tmp\""}});
    registrar.add_callback(
        "CheckpointSaver",
        [](const nlohmann::json& config) -> std::unique_ptr<Callback> {
          return std::make_unique<CheckpointSaver>(CheckpointSaverOptions::from_json(config));
        },
        "saves checkpoints; config: folder, filename, latest_filename, save_interval, overwrite, "
        "num_checkpoints_to_keep, weights_only, ignore_keys, remote_file_name, latest_remote_file_name "
        "(Composer's CheckpointSaver arguments), state_dict_type, sharded_ckpt_prefix_dir, signing_key, async, "
        "async_snapshot, async_memory_limit_mib");
    registrar.describe_config("callback", "CheckpointSaver", {{"folder", "string", "\"{run_name}/checkpoints\"", "where checkpoints go; may use {run_name}"},
                                {"filename", "string", "\"ep{epoch}-ba{batch}-rank{rank}.pt\"", "the checkpoint name template; its extension picks the format (.pt.gz, .tar, ...)"},
                                {"latest_filename", "string | null", "\"latest-rank{rank}.pt\"", "the symlink to the newest checkpoint; null: none"},
                                {"remote_file_name", "string | null", "\"{run_name}/checkpoints/ep{epoch}-ba{batch}-rank{rank}.pt\"", "the object name of uploads; null: no uploads"},
                                {"latest_remote_file_name", "string | null", "\"{run_name}/checkpoints/latest-rank{rank}.pt\"", "the remote latest pointer; null: none"},
                                {"save_interval", "int | time", "\"1ep\"", "how often to save (an int counts epochs)"},
                                {"overwrite", "bool", "false", "replace existing checkpoints of the same name"},
                                {"num_checkpoints_to_keep", "int", "-1", "local checkpoints kept, oldest removed first; -1: all"},
                                {"weights_only", "bool", "false", "save only the model weights"},
                                {"ignore_keys", "list[string] | null", "[]", "globs of state keys left out of the checkpoint (\"state/optimizers/*\")"},
                                {"state_dict_type", "string", "\"full\"", "full: one file, written by rank 0; sharded: a folder that every rank writes its part of (torch's distributed-checkpoint layout)"},
                                {"sharded_ckpt_prefix_dir", "string", "\"ep{epoch}-ba{batch}\"", "the sharded checkpoint's folder name template (state_dict_type sharded)"},
                                {"signing_key", "string | null", "null", "PEM private key file (Ed25519 or RSA) that signs each checkpoint; null: $CAIRN_SIGNING_KEY, else unsigned"},
                                {"async", "bool", "false", "write full checkpoints on a background thread; training blocks only for a snapshot of the state"},
                                {"async_snapshot", "string", "\"lazy\"", "lazy: parameters and optimizer state are copied before the next optimizer step; eager: everything at the save event"},
                                {"async_memory_limit_mib", "int", "0", "most host memory a snapshot may hold, in MiB; larger states are saved synchronously; 0: what the state needs"}});
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
    registrar.describe_config("callback", "RemoteUploaderDownloader", {{"bucket_uri", "string", "", "where uploads go; the scheme picks the store plugin (s3://bucket, file:///folder)", "\"file:///tmp/cairn-remote-example\""},
                                {"backend_kwargs", "object", "{}", "the store's config (see the store's own fields)"},
                                {"file_path_format_string", "string", "\"{remote_file_name}\"", "the object name of each upload"},
                                {"num_concurrent_uploads", "int", "1", "uploads in flight at once"},
                                {"upload_staging_folder", "string | null", "null", "where files wait for upload; null: a temporary folder"},
                                {"use_procs", "bool", "true", "accepted for Composer compatibility; uploads always run in threads"},
                                {"num_attempts", "int", "3", "tries per upload before the run fails"},
                                {"initial_backoff_seconds", "float", "1.0", "the first wait between tries; it doubles each time"}});
  });
}

}  // namespace cairn
