// A checkpoint fetched once per machine, as Composer downloads on local rank 0:
// the first rank of each node fetches it into a folder of its own, and the
// other ranks of that node read that copy. Ranks on a node are numbered
// contiguously (torchrun and `cairn fit --nproc-per-node` both do), so a
// rank's node copy is the one of rank `rank - local_rank`.
#pragma once

#include <functional>
#include <memory>

#include "cairn/dist.h"
#include "checkpoint/fetch/checkpoint_source.h"

namespace cairn {

class Collectives;

// Every rank calls it. `mine` is what this rank already fetched (rank 0 may
// have, while deciding what to resume from), else null; `fetch` is called on
// the first rank of each node that has nothing yet. A failure on any rank
// fails every rank with that rank's line (fail_together). The copy lives as
// long as the node's first rank keeps what this returns: the caller must not
// let it go before every rank of its node finished reading it.
std::unique_ptr<FetchedCheckpoint> fetch_once_per_node(const DistInfo& dist, Collectives& group,
                                                       std::unique_ptr<FetchedCheckpoint> mine,
                                                       const std::function<std::unique_ptr<FetchedCheckpoint>()>& fetch);

}  // namespace cairn
