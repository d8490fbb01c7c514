#include "trainer/trainer.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <regex>

#include <ATen/Context.h>
#include <c10/util/Type.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/optim/sgd.h>

#include "cairn/collectives.h"
#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/metadata.h"
#include "checkpoint/model_state.h"
#include "core/console_logger.h"
#include "core/logger_hub.h"
#include "core/ivalue_convert.h"
#include "core/rng.h"
#include "core/safe_names.h"
#include "plugin_host/plugin_host.h"
#include "store/store_opener.h"
#include "trainer/optimizer_state.h"
#include "trainer/trainer_impl.h"

namespace cairn {
namespace {

// Composer's run-name order: argument, $COMPOSER_RUN_NAME, $RUN_NAME; empty
// when none is set (the trainer then generates one). Wherever it comes from,
// it must be usable inside file and object names.
std::optional<std::string> chosen_run_name(const std::optional<std::string>& given) {
  if (given && !given->empty()) {
    validate_run_name(*given, "run_name");
    return given;
  }
  for (const char* var : {"COMPOSER_RUN_NAME", "RUN_NAME"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') {
      validate_run_name(v, std::string("the environment variable ") + var);
      return std::string(v);
    }
  }
  return std::nullopt;
}

// "cairn::SpeedMonitor" -> "SpeedMonitor": the class name, as Composer keys by qualname.
template <typename T>
std::string class_name(const T& object) {
  std::string name = c10::demangle(typeid(object).name());
  const auto colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}

template <typename T>
void name_instances(std::vector<Named<T>>& items) {
  std::vector<std::string> taken;
  for (auto& item : items) {
    if (!item.object) throw ConfigError("a callback or algorithm entry is empty (null pointer)");
    item.name = unique_instance_name(item.name.empty() ? class_name(*item.object) : item.name, taken);
    taken.push_back(item.name);
  }
}

// Composer's device names ("cpu", "gpu") and torch's ("cuda", "cuda:1") to
// torch's; ConfigError for any other, or for a GPU that is not there.
std::string torch_device_name(const std::string& given) {
  if (given == "cpu") return given;
  static const std::regex cuda("^(gpu|cuda)(:[0-9]{1,2})?$");
  std::smatch m;
  if (!std::regex_match(given, m, cuda)) {
    throw ConfigError("device '" + given + "' is not supported; use --device cpu or --device gpu (also cuda, cuda:N)");
  }
  const std::string name = "cuda" + m[2].str();
  if (!at::hasCUDA()) {
    throw ConfigError("device '" + given + "' needs a CUDA GPU, but none is available here (no GPU is visible, or " +
                      "this LibTorch build has no CUDA); use --device cpu");
  }
  const c10::Device device(name);
  const int64_t visible = int64_t(at::getNumGPUs());
  if (device.has_index() && device.index() >= visible) {
    throw ConfigError("device '" + given + "' names GPU " + std::to_string(device.index()) + ", but only " +
                      std::to_string(visible) + " GPU(s) are visible; use cuda:0 to cuda:" + std::to_string(visible - 1));
  }
  return name;
}

}  // namespace

Trainer::Impl::Impl(TrainerOptions opts) : options(std::move(opts)) {
  auto hub_owner = std::make_shared<LoggerHub>(options.logger ? options.logger : std::make_shared<ConsoleLogger>());
  hub = hub_owner.get();
  logger = hub_owner;
  state.logger = logger.get();
  validate_and_resolve();
  evaluators = make_evaluators(options, state);
  // Callbacks that are also logger destinations (Composer's LoggerDestination)
  // receive metrics and files from here on.
  for (auto& c : options.callbacks) hub->attach(c.object->as_logger_destination());
  create_savers();
  check_uploaders_keep_names();
  register_hooks();

  for (auto& c : options.callbacks) events.add_callback(c);
  // Before the saver: at FIT_END it waits for the uploads, and at close it
  // finishes them before the saver deletes local files whose upload landed.
  if (own_uploader) {
    hub->attach(own_uploader.get());
    events.add_callback(Named<Callback>{"RemoteUploaderDownloader", own_uploader});
  }
  for (auto& a : options.algorithms) events.add_algorithm(a);
  if (saver) {
    events.add_callback(Named<Callback>{trainer_saver_name, saver});
    events.set_before_algorithms([s = saver.get()](State& st) { s->wait_for_snapshot(st); });
  }
  events.run(Event::INIT, state);

  std::optional<LoadSource> source;
  if (options.load_path) source = LoadSource{*options.load_path};
  std::unique_ptr<FetchedCheckpoint> fetched;
  if (options.autoresume) {
    // Rank 0 decides, so that every rank resumes from the same checkpoint.
    std::optional<LoadSource> latest;
    fail_together([&] {
      if (group->is_rank_zero()) latest = resolve_autoresume(fetched);
    });
    latest = LoadSource::from_bytes(group->broadcast_bytes(latest ? latest->to_bytes() : std::string()));
    if (latest) {
      const std::string where = latest->destination < 0
                                    ? latest->path
                                    : hub->destinations().at(size_t(latest->destination))->uri_for_file(latest->path);
      logger->info("autoresume: resuming from " + where);
      source = latest;
      // As Composer: the autoresume checkpoint is a full resume of this run.
      options.load_weights_only = false;
      options.load_ignore_keys.clear();
      options.load_exclude_algorithms.clear();
      options.load_object_store.reset();
    }
  }
  events.run(Event::BEFORE_LOAD, state);
  if (source) {
    load_checkpoint(*source, std::move(fetched));
    check_ranks_agree_on_timestamp();
  }
  events.run(Event::AFTER_LOAD, state);
  broadcast_model();
  check_first_batch();
}

void Trainer::Impl::validate_and_resolve() {
  if (!options.model) throw ConfigError("model is required: pass a cairn::Model (e.g. ModuleModel) or --model NAME");
  if (!options.train_dataloader) throw ConfigError("train_dataloader is required: pass a cairn::Dataset or --data NAME");
  state.max_duration = Time::parse(options.max_duration);
  if (state.max_duration.unit() == TimeUnit::DURATION || state.max_duration.unit() == TimeUnit::SECOND ||
      state.max_duration.unit() == TimeUnit::ITERATION) {
    throw ConfigError("max_duration '" + options.max_duration + "' must be in ep, ba, sp or tok");
  }
  // A run of zero length trains nothing and saves nothing, yet would exit 0.
  if (state.max_duration.value() <= 0) {
    throw ConfigError("max_duration '" + options.max_duration +
                      "' is zero, so nothing would be trained; give a positive duration such as 1ep or 100ba");
  }
  join_job();
  const auto chosen = chosen_run_name(options.run_name);
  run_name_chosen = chosen.has_value();
  state.run_name = chosen ? *chosen : std::to_string(std::time(nullptr)) + "-cairn-run";
  // A generated name is rank 0's, so that every rank's file names agree.
  if (!chosen) state.run_name = group->broadcast_bytes(state.run_name);
  if (options.seed && *options.seed >= (uint64_t(1) << 32)) {
    throw ConfigError("seed " + std::to_string(*options.seed) + " is out of range; use a value in [0, 2^32)");
  }
  state.rank_zero_seed = options.seed ? *options.seed : random_seed();
  // A seed drawn here differs on every rank: rank 0's is the run's (Composer).
  if (!options.seed) state.rank_zero_seed = std::stoull(group->broadcast_bytes(std::to_string(state.rank_zero_seed)));
  seed_all(state.rank_zero_seed + uint64_t(state.dist.global_rank()));

  state.device = torch_device_name(options.device);
  // Several ranks on one machine use one GPU each, as torchrun's LOCAL_RANK says.
  if (state.device == "cuda" && state.dist.size() > 1) {
    state.device = torch_device_name("cuda:" + std::to_string(state.dist.local_rank.value_or(0)));
  }
  if (state.device != "cpu") options.model->module()->to(c10::Device(state.device));
  state.model = options.model;
  state.optimizers = options.optimizers;
  if (state.optimizers.empty()) {
    // Composer's default is SGD-family with lr 0.1.
    state.optimizers.push_back(std::make_shared<torch::optim::SGD>(options.model->module()->parameters(),
                                                                    torch::optim::SGDOptions(0.1)));
  }
  for (const auto& o : state.optimizers) optimizer_qualname(*o);  // refuses unsupported types now, not at first save
  name_instances(options.callbacks);
  name_instances(options.algorithms);
}

Trainer::Impl::CollectivesUninstaller::~CollectivesUninstaller() { install_collectives(nullptr); }

void Trainer::Impl::join_job() {
  state.dist = DistInfo::from_environment();
  const auto timeout = dist::dist_timeout_from_seconds(options.dist_timeout);
  if (state.dist.size() == 1) {
    group = std::make_shared<dist::ProcessGroup>();
  } else {
    group = dist::join_from_environment(timeout);
  }
  // One numbering of the ranks, the joined group's, for collectives and file
  // names alike. torchrun sets no NODE_RANK; its ranks are numbered machine
  // by machine, so the machine's index follows from the rank.
  state.dist.rank = group->rank();
  state.dist.world_size = group->size();
  if (!state.dist.node_rank && state.dist.local_world_size.value_or(0) > 0) {
    state.dist.node_rank = group->rank() / *state.dist.local_world_size;
  }
  install_collectives(group);
}

void Trainer::Impl::broadcast_model() {
  if (group->size() == 1) return;
  auto module = state.model->module();
  std::vector<at::Tensor> tensors = module->parameters();
  for (const auto& b : module->buffers()) tensors.push_back(b);
  group->broadcast_bucketed(tensors, 0);
}

void Trainer::Impl::create_savers() {
  for (const auto& c : options.callbacks) {
    if (auto* writer = c.object->as_checkpoint_writer()) writers.push_back(writer);
  }
  if (options.save_folder) {
    CheckpointSaverOptions so;
    so.folder = *options.save_folder;
    so.filename = options.save_filename;
    so.latest_filename = options.save_latest_filename;
    so.save_interval = options.save_interval;
    so.overwrite = options.save_overwrite;
    so.num_checkpoints_to_keep = options.save_num_checkpoints_to_keep;
    so.weights_only = options.save_weights_only;
    so.ignore_keys = options.save_ignore_keys;
    so.signing_key = options.save_signing_key;
    so.async = options.save_async;
    so.async_snapshot = options.save_async_snapshot;
    so.async_memory_limit_mib = options.save_async_memory_limit_mib;
    so.state_dict_type = options.state_dict_type;
    so.named_as_trainer_settings = true;
    so.replace_interrupted_saves = options.autoresume;
    const Uri save_uri = Uri::parse(*options.save_folder);
    // Composer: remote names are <path of save_folder>/<name>, used by any
    // uploading destination; for a URI the trainer also provides the uploader.
    auto remote_name = [&](const std::string& name) {
      const std::string prefix = save_uri.is_local() ? *options.save_folder : save_uri.path;
      return prefix.empty() ? name : (std::filesystem::path(prefix) / name).lexically_normal().generic_string();
    };
    so.remote_file_name = remote_name(options.save_filename);
    so.latest_remote_file_name.reset();
    if (options.save_latest_filename) so.latest_remote_file_name = remote_name(*options.save_latest_filename);
    if (!save_uri.is_local()) prepare_remote_save(so, save_uri);
    saver = std::make_shared<CheckpointSaver>(so);
    if (save_stream_store) saver->stream_into(save_stream_store);
    writers.push_back(saver.get());
    std::vector<std::string> taken;
    for (const auto& c : options.callbacks) taken.push_back(c.name);
    trainer_saver_name = unique_instance_name("CheckpointSaver", taken);
  }
  for (auto* w : writers) {
    w->attach([this](const State&, bool weights_only) { return assemble_checkpoint(weights_only); });
  }
}

void Trainer::Impl::register_hooks() {
  auto entry = [&](const std::string& key, std::function<c10::IValue()> save, std::function<void(const c10::IValue&)> load) {
    hooks.add_entry(key, std::make_shared<FunctionHook>(std::move(save), std::move(load)));
  };
  auto ignore = [](const c10::IValue&) {};

  entry("model", [this] { return model_state_dict(*state.model->module()); },
        [this](const c10::IValue& v) { load_model_state_dict(*state.model->module(), v, options.load_strict_model_weights, *logger); });

  hooks.add_section("optimizers");
  std::vector<std::string> taken;
  for (const auto& o : state.optimizers) {
    const std::string name = unique_instance_name(optimizer_qualname(*o), taken);
    taken.push_back(name);
    hooks.add_member("optimizers", name,
                     std::make_shared<FunctionHook>([o] { return optimizer_state_dict(*o); },
                                                    [o, name](const c10::IValue& v) {
                                                      load_optimizer_state_dict(*o, v, "state/optimizers/" + name);
                                                    }));
  }
  hooks.add_section("schedulers");
  taken.clear();
  for (const auto& s : options.schedulers) {
    const std::string name = unique_instance_name(s->name(), taken);
    taken.push_back(name);
    hooks.add_member("schedulers", name, s);
  }
  hooks.add_section("algorithms");
  for (const auto& a : options.algorithms) hooks.add_member("algorithms", a.name, a.object);
  hooks.add_section("callbacks");
  for (const auto& c : options.callbacks) hooks.add_member("callbacks", c.name, c.object);
  if (saver) hooks.add_member("callbacks", trainer_saver_name, saver);
  entry("scaler", [] { return c10::IValue(make_dict()); }, ignore);  // no mixed precision on these builds
  entry("timestamp",
        [this] {
          auto d = make_dict();
          d.insert("Timestamp", timestamp_to_ivalue(state.timestamp));
          return c10::IValue(d);
        },
        [this](const c10::IValue& v) {
          state.timestamp = timestamp_from_ivalue(require_key(v, "Timestamp", "state/timestamp"), "state/timestamp/Timestamp");
        });
  entry("rank_zero_seed", [this] { return c10::IValue(int64_t(state.rank_zero_seed)); },
        [this](const c10::IValue& v) { state.rank_zero_seed = uint64_t(v.toInt()); });
  entry("train_metrics",
        [this] {
          auto d = make_dict();
          for (const auto& m : state.train_metrics) d.insert(m.first, m.second);
          return c10::IValue(d);
        },
        [this](const c10::IValue& v) {
          state.train_metrics.clear();
          for (const auto& m : v.toGenericDict())
            if (m.value().isDouble()) state.train_metrics[m.key().toStringRef()] = m.value().toDouble();
        });
  entry("eval_metrics", [this] { return eval_metrics_to_ivalue(state.eval_metrics); },
        [this](const c10::IValue& v) { load_eval_metrics(v, state.eval_metrics); });
  // A resumed run keeps its own name (as Composer).
  entry("run_name", [this] { return c10::IValue(state.run_name); }, ignore);
  entry("dataset_state",
        [this] {
          auto train = make_dict();
          train.insert("epoch", state.timestamp.epoch);
          train.insert("batch_in_epoch", state.timestamp.batch_in_epoch);
          train.insert("sample_in_epoch", state.timestamp.sample_in_epoch);
          train.insert("dataset", options.train_dataloader->state_dict());
          auto d = make_dict();
          d.insert("train", train);
          d.insert("eval", eval_dataset_states(evaluators));
          return c10::IValue(d);
        },
        [this](const c10::IValue& v) {
          if (const auto* eval = find_key(v, "eval")) load_eval_dataset_states(evaluators, *eval);
          const auto* train = find_key(v, "train");
          if (train == nullptr) return;
          if (const auto* ds = find_key(*train, "dataset")) options.train_dataloader->load_state_dict(*ds);
        });
  entry("integrations", [] { return c10::IValue(make_dict()); }, ignore);
  entry("metadata",
        [this] {
          RunDescription run;
          run.device = state.device;
          run.world_size = state.dist.size();
          run.train_dataloader_batch_size = options.train_dataloader->batch_size();
          if (options.plugins) {
            for (const auto& p : options.plugins->plugins()) run.plugins.push_back({p.name, p.version});
          }
          return make_metadata(run);
        },
        ignore);
}

c10::IValue Trainer::Impl::assemble_checkpoint(bool weights_only) const {
  auto root = make_dict();
  if (weights_only) {
    root.insert("state", hooks.state_dict({"model", "integrations", "metadata"}));
    return root;
  }
  root.insert("state", hooks.state_dict());
  // One entry per rank, indexed by global rank (Composer gathers every rank's).
  c10::impl::GenericList rng(c10::AnyType::get());
  const auto states = group->allgather_bytes(rng_state_to_bytes(capture_rng_state()));
  for (size_t r = 0; r < states.size(); ++r) rng.push_back(rng_state_from_bytes(states[r], "rank " + std::to_string(r)));
  root.insert("rng", rng);
  return root;
}

const StoreOpener& Trainer::Impl::stores() const {
  static const LocalStoreOpener local_only;
  if (options.plugins) return *options.plugins;
  return local_only;
}

Trainer::Trainer(TrainerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Trainer::~Trainer() {
  close();
  // Not at close(): the local copies stay readable while the Trainer lives.
  impl_->remove_save_staging_folder();
}

void Trainer::fit() { impl_->fit(); }

void Trainer::close() {
  if (impl_ && !impl_->closed) {
    impl_->closed = true;
    impl_->events.close(impl_->state);
  }
}

State& Trainer::state() { return impl_->state; }
const State& Trainer::state() const { return impl_->state; }

CheckpointSummary Trainer::checkpoint_summary() const {
  CheckpointSummary summary;
  summary.saving = !impl_->writers.empty();
  for (const auto* w : impl_->writers) {
    summary.saved += w->num_saved();
    summary.kept += w->num_kept();
  }
  return summary;
}

std::vector<std::string> Trainer::saved_checkpoints() const {
  std::vector<std::string> all;
  for (const auto* w : impl_->writers) all.insert(all.end(), w->saved_checkpoints().begin(), w->saved_checkpoints().end());
  return all;
}

}  // namespace cairn
