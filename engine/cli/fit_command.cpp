// `cairn fit`: parse and validate everything, make the plugin objects, train.
#include <unistd.h>

#include <iostream>
#include <map>

#include "cairn/callback.h"
#include "cairn/errors.h"
#include "cairn/state.h"
#include "cli/commands.h"
#include "cli/fit_options.h"
#include "cli/interrupt.h"
#include "cli/launcher.h"
#include "cli/progress_bar.h"
#include "cli/progress_line.h"
#include "cli/transfer_progress.h"
#include "core/console_logger.h"
#include "core/rng.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"
#include "trainer/optimizer_factory.h"
#include "trainer/scheduler.h"
#include "trainer/trainer.h"

namespace cairn::cli {
namespace {

// Instance names as the SDK documents them: the name it was enabled with,
// then "<name>#2", "<name>#3" for further instances of the same one.
template <typename T, typename Make>
std::vector<Named<T>> make_instances(const std::vector<NamedConfig>& wanted, Make make) {
  std::map<std::string, int> seen;
  std::vector<Named<T>> out;
  for (const auto& w : wanted) {
    const int n = ++seen[w.name];
    out.push_back(Named<T>{n == 1 ? w.name : w.name + "#" + std::to_string(n), make(w)});
  }
  return out;
}

// Runs `make`, prefixing a ConfigError with the flag or config key it came from.
template <typename Make>
auto from_setting(const std::string& origin, const PluginHost& host, Make make) {
  try {
    return make();
  } catch (const ConfigError& e) {
    std::string message = origin + ": " + e.what();
    if (!host.failures().empty()) {
      message += " (" + std::to_string(host.failures().size()) +
                 " plugin file(s) failed to load; 'cairn plugins' shows why)";
    }
    throw ConfigError(message);
  }
}

TrainerOptions make_trainer_options(const FitSpec& spec, const std::shared_ptr<PluginHost>& host) {
  TrainerOptions options = spec.trainer;
  options.plugins = host;
  // As Composer's examples call seed_all() before building the model: with
  // --seed, the initial weights (and any data the dataset draws) are the same
  // on every run and on every rank; the trainer reseeds per rank afterwards.
  if (options.seed) seed_all(*options.seed);
  options.model = from_setting(spec.origin_of("model"), *host,
                               [&] { return host->make_model(spec.model.name, spec.model.config); });
  options.train_dataloader = from_setting(spec.origin_of("data"), *host,
                                          [&] { return host->make_dataset(spec.data.name, spec.data.config); });
  if (!spec.eval_data.name.empty()) {
    options.eval_dataloader = from_setting(spec.origin_of("eval_data"), *host, [&] {
      return host->make_dataset(spec.eval_data.name, spec.eval_data.config);
    });
  }
  options.optimizers = {from_setting(spec.origin_of("optimizer"), *host, [&] {
    return make_optimizer(spec.optimizer.name, spec.optimizer.config, *options.model);
  })};
  for (const auto& s : spec.schedulers) {
    options.schedulers.push_back(from_setting(spec.origin_of("schedulers"), *host, [&] {
      return make_scheduler(s.name, s.config, options.optimizers.front());
    }));
  }
  options.callbacks = from_setting(spec.origin_of("callbacks"), *host, [&] {
    return make_instances<Callback>(spec.callbacks,
                                    [&](const NamedConfig& c) { return host->make_callback(c.name, c.config); });
  });
  options.algorithms = from_setting(spec.origin_of("algorithms"), *host, [&] {
    return make_instances<Algorithm>(spec.algorithms,
                                     [&](const NamedConfig& a) { return host->make_algorithm(a.name, a.config); });
  });
  return options;
}

}  // namespace

int run_fit(const std::vector<std::string>& args) {
  const std::optional<FitSpec> spec = parse_fit_command_line(args, std::cout);
  if (!spec) return 0;  // --help
  // Before any plugin is loaded: the launcher only starts processes.
  spec->launch.check();
  if (spec->launch.launches()) return launch_ranks(spec->launch, args);

  auto host = std::make_shared<EngineHost>();
  host->load_all(spec->plugin_dirs);
  TrainerOptions options = make_trainer_options(*spec, host);

  auto progress = std::make_shared<ProgressBar>(
      std::cerr, isatty(STDERR_FILENO) == 1, [] { return progress::terminal_columns(STDERR_FILENO); }, interrupted);
  options.callbacks.insert(options.callbacks.begin(), Named<Callback>{"ProgressBar", progress});
  options.logger = std::make_shared<BarAwareLogger>(std::make_shared<ConsoleLogger>(), progress);
  // load_path and autoresume downloads: a bar when stderr is a terminal.
  options.download_progress = [](const std::string& what) {
    return transfer_progress_on_terminal("downloading " + what);
  };

  // The constructor validates every option and loads the checkpoint before
  // anything is trained or written.
  Trainer trainer(std::move(options));
  catch_first_interrupt();
  trainer.fit();
  trainer.close();

  const State& state = trainer.state();
  std::cout << "run '" << state.run_name << "' trained to " << state.timestamp.to_string() << "\n";
  // As it happened: rotated-away and unkept files are not reported as saved.
  const CheckpointSummary summary = trainer.checkpoint_summary();
  const std::vector<std::string> saved = trainer.saved_checkpoints();
  if (summary.saving) {
    std::cout << "saved " << summary.saved << (summary.saved == 1 ? " checkpoint" : " checkpoints") << ", kept "
              << summary.kept;
    if (!saved.empty()) std::cout << "; latest: " << saved.back();
    std::cout << "\n";
  }
  if (interrupted()) {
    std::cout.flush();
    std::cerr << "cairn: interrupted: training stopped at " << state.timestamp.to_string() << "; "
              << (!saved.empty() ? "the latest checkpoint is " + saved.back()
                  : spec->trainer.save_folder ? std::string("no checkpoint was saved")
                                              : std::string("no checkpoint was saved (no --save-folder)"))
              << std::endl;
    return kExitInterrupted;
  }
  return 0;
}

}  // namespace cairn::cli
