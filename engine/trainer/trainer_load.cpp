// Loading a checkpoint into the trainer: load_path, load_object_store,
// load_weights_only, load_strict_model_weights, load_ignore_keys,
// load_exclude_algorithms and autoresume.
#include <algorithm>
#include <filesystem>
#include <optional>

#include <ATen/Functions.h>
#include <torch/nn/module.h>
#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "checkpoint/fetch/checkpoint_source.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_reader.h"
#include "checkpoint/model_state.h"
#include "checkpoint/sharded/sharded_reader.h"
#include "checkpoint/saver/glob_filter.h"
#include "checkpoint/saver/name_format.h"
#include "core/ivalue_convert.h"
#include "store/store_opener.h"
#include "trainer/fetch_per_node.h"
#include "trainer/foreign_checkpoint.h"
#include "trainer/optimizer_state.h"
#include "trainer/trainer.h"
#include "trainer/trainer_impl.h"

namespace cairn {
namespace fs = std::filesystem;

std::string Trainer::Impl::LoadSource::to_bytes() const {
  return nlohmann::json{{"path", path}, {"destination", destination}}.dump();
}

std::optional<Trainer::Impl::LoadSource> Trainer::Impl::LoadSource::from_bytes(const std::string& bytes) {
  if (bytes.empty()) return std::nullopt;
  const auto j = nlohmann::json::parse(bytes);
  return LoadSource{j.at("path").get<std::string>(), j.at("destination").get<int>()};
}

std::optional<Trainer::Impl::LoadSource> Trainer::Impl::resolve_autoresume(std::unique_ptr<FetchedCheckpoint>& fetched) {
  std::vector<std::string> missing;
  if (!run_name_chosen) missing.push_back("run_name (or $RUN_NAME)");
  if (!saver) missing.push_back("save_folder");
  else if (!saver->options().latest_filename) missing.push_back("save_latest_filename");
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw ConfigError("autoresume needs " + list +
                      " so it knows which run to resume and where its latest checkpoint is; set them or drop autoresume");
  }
  const auto latest = saver->formatted_latest_path(state);
  std::error_code ec;
  // Composer's order: the local latest pointer, the remote one, then load_path.
  if (latest && fs::exists(*latest, ec)) return LoadSource{*latest};
  if (const auto remote = saver->formatted_latest_remote_name(state)) {
    // Composer's order of sources: every uploading destination, the trainer's
    // own last (it was attached last).
    for (size_t i = 0; i < hub->destinations().size(); ++i) {
      if (!hub->destinations()[i]->can_upload_files()) continue;
      if ((fetched = fetch_from_destination(i, *remote))) return LoadSource{*remote, int(i)};
    }
  }
  logger->info("autoresume: no checkpoint at " + latest.value_or("?") +
               (options.load_path ? ", using load_path" : ", starting fresh"));
  return std::nullopt;
}

ProgressFn Trainer::Impl::download_progress(const std::string& what) const {
  if (!options.load_progress_bar || !options.download_progress) return {};
  return options.download_progress(what);
}

void Trainer::Impl::load_checkpoint(const LoadSource& source, std::unique_ptr<FetchedCheckpoint> fetched) {
  std::string path = source.path;
  std::shared_ptr<ObjectStore> store;
  fail_together([&] {
    if (source.destination >= 0) return;
    // {run_name} is filled; a monolithic checkpoint is rank 0's, so {rank} means 0.
    DistInfo rank_zero = state.dist;
    rank_zero.rank = 0;
    rank_zero.local_rank = 0;
    rank_zero.node_rank = 0;
    path = format_name_with_dist(source.path, state.run_name, rank_zero);
    if (options.load_object_store) {
      nlohmann::json config;
      try {
        config = nlohmann::json::parse(options.load_object_store_config);
      } catch (const nlohmann::json::exception& e) {
        throw ConfigError("load_object_store config is not valid JSON: " + std::string(e.what()));
      }
      store = stores().open_store(*options.load_object_store, config);
    }
  });
  fetched = fetch_once_per_node(state.dist, *group, std::move(fetched), [&] { return fetch_source(source, path, store); });
  // Every rank has read its node's copy once this step is over, so the copy
  // may go with `fetched`.
  fail_together([&] { restore_checkpoint(*fetched); });
}

std::unique_ptr<FetchedCheckpoint> Trainer::Impl::fetch_source(const LoadSource& source, const std::string& path,
                                                               const std::shared_ptr<ObjectStore>& store) {
  if (source.destination >= 0) {
    auto fetched = fetch_from_destination(size_t(source.destination), path);
    if (!fetched) {
      throw CheckpointError("the remote latest checkpoint '" + path + "' that rank 0 resumes from cannot be found "
                            "from this machine; check that every machine reaches the same store");
    }
    return fetched;
  }
  // Any number of ranks reads a folder that any number wrote (resharding).
  if (!store && checkpoint::sharded::is_sharded_checkpoint(path)) return std::make_unique<FetchedCheckpoint>(path, path, "");
  return fetch_checkpoint(path, store, &stores(), download_progress(path));
}

namespace {

// The model's own tensors as read targets (read_into_module), except with a
// key prefix map (names change after reading) or under a path that
// load_ignore_keys removes after reading.
checkpoint::ReadIntoChooser read_into_model(torch::nn::Module& module, const TrainerOptions& options) {
  if (!options.load_key_prefix_map.empty()) return [](const std::string&, const at::Tensor&) { return at::Tensor(); };
  return [into = read_into_module(module), ignored = options.load_ignore_keys](const std::string& path,
                                                                              const at::Tensor& stored) {
    for (const std::string& glob : ignored) {
      // The glob may name the tensor or any folder above it.
      for (size_t end = path.find('/');; end = path.find('/', end + 1)) {
        if (fnmatch_path(glob, path.substr(0, end))) return at::Tensor();
        if (end == std::string::npos) break;
      }
    }
    return into(path, stored);
  };
}

}  // namespace

void Trainer::Impl::restore_checkpoint(const FetchedCheckpoint& fetched) {
  const auto trusted_key = checkpoint::trusted_key(options.load_trusted_key);
  const std::string& description = fetched.description();
  c10::IValue root;
  if (checkpoint::sharded::is_sharded_checkpoint(fetched.local_path())) {
    if (trusted_key) {
      throw CheckpointError("checkpoint '" + description + "' is a sharded folder, which carries no signature, and a "
                            "trusted key is configured (load_trusted_key or CAIRN_TRUSTED_KEY); load a signed "
                            "monolithic checkpoint, or unset the trusted key");
    }
    root = checkpoint::sharded::ShardedReader(fetched.local_path()).load(*group);
  } else {
    // A failed read may leave the model partly overwritten: fit does not go on after it.
    const checkpoint::ReadIntoChooser into_model = read_into_model(*state.model->module(), options);
    root = checkpoint::read_checkpoint_into(fetched.local_path(), description, checkpoint::IntegrityPolicy{trusted_key},
                                            &into_model);
  }
  if (!root.isGenericDict() || find_key(root, "state") == nullptr) {
    throw CheckpointError("checkpoint '" + description +
                          "' has no 'state' entry; it is not a Cairn/Composer checkpoint");
  }
  for (const auto& glob : glob_filter(root, options.load_ignore_keys)) {
    logger->warn("load_ignore_keys: '" + glob + "' matched nothing in " + description);
  }
  c10::IValue checkpoint_state = find_key(root, "state") ? *find_key(root, "state") : c10::IValue(make_dict());
  if (const auto* model = find_key(checkpoint_state, "model"); model && !options.load_key_prefix_map.empty()) {
    checkpoint_state.toGenericDict().insert_or_assign("model", map_key_prefixes(*model, options.load_key_prefix_map));
  }

  // Excluded algorithms start fresh: drop their state before handing it out.
  if (!options.load_exclude_algorithms.empty()) {
    if (const auto* algos = find_key(checkpoint_state, "algorithms"); algos && algos->isGenericDict()) {
      auto dict = algos->toGenericDict();
      std::vector<c10::IValue> drop;
      for (const auto& item : dict) {
        for (const auto& glob : options.load_exclude_algorithms)
          if (fnmatch_path(glob, item.key().toStringRef())) drop.push_back(item.key());
      }
      for (const auto& k : drop) dict.erase(k);
    }
  }

  // The built-in saver's state is only its list of saved names: a run without
  // save_folder has no built-in saver to give it to, and loses nothing.
  if (!options.save_folder) {
    const bool claimed = std::any_of(options.callbacks.begin(), options.callbacks.end(),
                                     [](const Named<Callback>& c) { return c.name == "CheckpointSaver"; });
    if (const auto* callbacks = find_key(checkpoint_state, "callbacks"); !claimed && callbacks && callbacks->isGenericDict()) {
      (void)callbacks->toGenericDict().erase("CheckpointSaver");
    }
  }

  const bool weights_only = options.load_weights_only || find_key(checkpoint_state, "timestamp") == nullptr;
  if (const auto* model = find_key(checkpoint_state, "model")) {
    load_model_state_dict(*state.model->module(), *model, options.load_strict_model_weights, *logger);
  } else {
    logger->warn("checkpoint '" + description + "' holds no model weights (state/model); the model keeps its weights");
  }
  if (weights_only) {
    logger->info("loaded model weights from " + description);
    return;
  }
  const size_t rank = size_t(state.dist.global_rank());
  if (is_foreign_checkpoint(root)) {
    const auto* rng = find_key(root, "rng");
    const c10::IValue* rng_entry = rng && rng->isList() && rank < rng->toListRef().size() ? &rng->toListRef()[rank] : nullptr;
    std::optional<std::string> run_optimizer;
    if (state.optimizers.size() == 1) run_optimizer = optimizer_qualname(*state.optimizers.front());
    adapt_foreign_checkpoint(checkpoint_state, rng_entry, run_optimizer, description, *logger);
  }
  hooks.load_state_dict(checkpoint_state, {"model", "integrations", "metadata"}, *logger);
  if (const auto* rng = find_key(root, "rng"); rng && rng->isList()) {
    const auto entries = rng->toListRef();
    if (entries.size() != size_t(state.dist.size())) {
      logger->warn("the checkpoint holds RNG state for " + std::to_string(entries.size()) + " ranks, this run has " +
                   std::to_string(state.dist.size()) + "; resumption may not be exact");
    }
    if (rank < entries.size()) pending_rng = entries[rank];
  } else {
    logger->warn("checkpoint '" + description + "' holds no RNG state; the resumed run will not be bit-exact");
  }
  logger->info("resumed from " + description + " at " + state.timestamp.to_string());
}

void Trainer::Impl::check_ranks_agree_on_timestamp() {
  if (group->size() == 1) return;
  // Composer's guard: ranks that loaded different checkpoints would train apart.
  std::vector<at::Tensor> low{at::full({1}, state.timestamp.batch, at::kLong)};
  std::vector<at::Tensor> high{low[0].clone()};
  group->allreduce(low, ReduceOp::kMin);
  group->allreduce(high, ReduceOp::kMax);
  const int64_t first = low[0].item<int64_t>(), last = high[0].item<int64_t>();
  if (first != last) {
    throw CheckpointError("the ranks loaded checkpoints at different batches (" + std::to_string(first) + " to " +
                          std::to_string(last) + "); give every rank the same load_path");
  }
}

}  // namespace cairn
