// CheckpointSaverOptions::from_json: the saver's JSON config, as Composer names it.
#include "cairn/config.h"
#include "checkpoint/saver/checkpoint_saver.h"

namespace cairn {

CheckpointSaverOptions CheckpointSaverOptions::from_json(const nlohmann::json& config) {
  Config cfg("callback 'CheckpointSaver'", config);
  CheckpointSaverOptions o;
  o.folder = cfg.get<std::string>("folder", o.folder);
  o.filename = cfg.get<std::string>("filename", o.filename);
  o.state_dict_type = cfg.get<std::string>("state_dict_type", o.state_dict_type);
  o.sharded_ckpt_prefix_dir = cfg.get<std::string>("sharded_ckpt_prefix_dir", o.sharded_ckpt_prefix_dir);

  // A name or null (which disables what it names).
  auto optional_name = [&](const std::string& key, std::optional<std::string>& field, const std::string& null_means) {
    const auto value = cfg.get<nlohmann::json>(key, *field);
    if (value.is_null()) {
      field.reset();
    } else if (value.is_string()) {
      field = value.get<std::string>();
    } else {
      cfg.fail(key, "must be a string or null (null: " + null_means + "), got " + value.dump());
    }
  };
  optional_name("latest_filename", o.latest_filename, "no latest symlink");
  optional_name("remote_file_name", o.remote_file_name, "no uploads");
  optional_name("latest_remote_file_name", o.latest_remote_file_name, "no remote latest pointer");

  o.save_interval = cfg.get_time("save_interval", "1ep", TimeUnit::EPOCH);

  o.overwrite = cfg.get<bool>("overwrite", o.overwrite);
  const auto keep = cfg.get<nlohmann::json>("num_checkpoints_to_keep", o.num_checkpoints_to_keep);
  if (!keep.is_number_integer()) {
    cfg.fail("num_checkpoints_to_keep", "must be a whole number (-1 keeps all), got " + keep.dump());
  }
  o.num_checkpoints_to_keep = keep.get<int>();
  o.weights_only = cfg.get<bool>("weights_only", o.weights_only);
  const auto ignore = cfg.get<nlohmann::json>("ignore_keys", nlohmann::json::array());
  if (!ignore.is_null()) {
    if (!ignore.is_array()) cfg.fail("ignore_keys", "must be a list of glob strings, got " + ignore.dump());
    for (const auto& glob : ignore) {
      if (!glob.is_string()) cfg.fail("ignore_keys", "must hold only strings, got " + glob.dump());
      o.ignore_keys.push_back(glob.get<std::string>());
    }
  }
  const auto key = cfg.get<nlohmann::json>("signing_key", nullptr);
  if (key.is_string()) o.signing_key = key.get<std::string>();
  else if (!key.is_null()) cfg.fail("signing_key", "must be the path of a PEM private key file, got a " + std::string(key.type_name()));
  o.async = cfg.get<bool>("async", o.async);
  o.async_snapshot = cfg.get<std::string>("async_snapshot", o.async_snapshot);
  const auto limit = cfg.get<nlohmann::json>("async_memory_limit_mib", o.async_memory_limit_mib);
  if (!limit.is_number_integer()) {
    cfg.fail("async_memory_limit_mib", "must be a whole number of MiB (0: what the state needs), got " + limit.dump());
  }
  o.async_memory_limit_mib = limit.get<int64_t>();
  cfg.finish();
  return o;
}

}  // namespace cairn
