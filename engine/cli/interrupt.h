// Ctrl-C during `cairn fit`. The first SIGINT asks training to stop after the
// batch in progress (the progress bar polls interrupted() and stops the run as
// a stopper callback would, so the end-of-training checkpoint is written); a
// second one ends the process at once, as SIGINT normally does.
#pragma once

namespace cairn::cli {

// From here on, the first SIGINT only sets interrupted().
void catch_first_interrupt();

bool interrupted();

// The exit status of a run ended by Ctrl-C (128 + SIGINT, as shells report it).
constexpr int kExitInterrupted = 130;

}  // namespace cairn::cli
