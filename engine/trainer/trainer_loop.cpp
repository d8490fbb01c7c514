// The training loop, firing Composer's events in Composer's order.
#include <chrono>

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <ATen/Functions.h>

#include "cairn/collectives.h"
#include "cairn/errors.h"
#include "core/rng.h"
#include "trainer/trainer.h"
#include "trainer/trainer_impl.h"

namespace cairn {

bool Trainer::Impl::duration_reached() const { return state.stop_requested() || state.elapsed_duration() >= 1.0; }

void Trainer::Impl::restore_pending_rng() {
  if (!pending_rng) return;
  restore_rng_state(*pending_rng);
  pending_rng.reset();
}

void Trainer::Impl::fit() {
  if (!fit_started) {
    fit_started = true;
    events.run(Event::FIT_START, state);
  }
  // Built here, not at construction: a loaded checkpoint may change the seed.
  loader = std::make_unique<DataLoader>(options.train_dataloader, state.rank_zero_seed, "train_dataloader", false,
                                        group->rank(), group->size());
  const int64_t batches = loader->num_batches();
  state.dataloader_len = batches;
  state.model->module()->train();

  while (!duration_reached()) {
    loader->start_epoch(state.timestamp.epoch);
    events.run(Event::EPOCH_START, state);
    // A resumed run starts at its batch within the epoch; skipped batches are
    // never loaded, since the order is a function of (seed, epoch).
    for (int64_t i = state.timestamp.batch_in_epoch; i < batches; ++i) {
      train_batch(i);
      if (duration_reached()) break;
    }
    if (state.timestamp.batch_in_epoch < batches) break;  // stopped mid-epoch
    restore_pending_rng();
    state.previous_timestamp = state.timestamp;
    state.timestamp.to_next_epoch();
    events.run(Event::EPOCH_END, state);
    run_evaluators(evaluators, Event::EPOCH_END, state, events);
    events.run(Event::EPOCH_CHECKPOINT, state);
  }
  events.run(Event::FIT_END, state);
  run_evaluators(evaluators, Event::FIT_END, state, events);
}

void Trainer::Impl::train_batch(int64_t index) {
  const auto started = std::chrono::steady_clock::now();
  restore_pending_rng();
  auto module = state.model->module();

  events.run(Event::BEFORE_DATALOADER, state);
  Batch batch = loader->batch(index);
  move_batch_to(batch, state.device);
  state.batch = batch;
  events.run(Event::AFTER_DATALOADER, state);
  events.run(Event::BATCH_START, state);
  events.run(Event::BEFORE_TRAIN_BATCH, state);

  for (auto& o : state.optimizers) o->zero_grad();
  events.run(Event::BEFORE_FORWARD, state);
  state.outputs = state.model->forward(state.batch.inputs);
  events.run(Event::AFTER_FORWARD, state);
  events.run(Event::BEFORE_LOSS, state);
  state.loss = state.model->loss(state.outputs, state.batch.targets);
  events.run(Event::AFTER_LOSS, state);
  events.run(Event::BEFORE_BACKWARD, state);
  state.loss.backward();
  // DDP's semantics: what follows backward sees every rank's mean gradient.
  if (group->size() > 1) average_gradients(module->parameters());
  events.run(Event::AFTER_BACKWARD, state);
  for (auto& o : state.optimizers) o->step();
  for (auto& s : options.schedulers) s->step();
  events.run(Event::AFTER_TRAIN_BATCH, state);

  // The counters and the logged loss are the job's: sums over the ranks, and
  // the mean loss (one collective for the three).
  int64_t samples = state.batch.num_samples, tokens = state.batch.num_tokens;
  double loss = state.loss.item<double>();
  if (group->size() > 1) {
    std::vector<at::Tensor> totals{at::tensor({double(samples), double(tokens), loss}, at::kDouble)};
    group->allreduce(totals, ReduceOp::kSum);
    const double* t = totals[0].data_ptr<double>();
    samples = int64_t(t[0]);
    tokens = int64_t(t[1]);
    loss = t[2] / group->size();
  }
  if (!std::isfinite(loss)) {
    logger->warn("loss is " + std::to_string(loss) + " at " + state.timestamp.to_string() + "; training continues");
  }
  state.train_metrics["loss/train"] = loss;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  state.previous_timestamp = state.timestamp;
  state.timestamp.to_next_batch(samples, tokens, seconds);

  events.run(Event::BATCH_END, state);
  logger->log_metrics(state.train_metrics, state.timestamp);
  run_evaluators(evaluators, Event::BATCH_END, state, events);
  events.run(Event::BATCH_CHECKPOINT, state);
}

}  // namespace cairn
