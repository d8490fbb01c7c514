#include "trainer/fetch_per_node.h"

#include <nlohmann/json.hpp>

#include "cairn/collectives.h"
#include "cairn/errors.h"

namespace cairn {

std::unique_ptr<FetchedCheckpoint> fetch_once_per_node(const DistInfo& dist, Collectives& group,
                                                       std::unique_ptr<FetchedCheckpoint> mine,
                                                       const std::function<std::unique_ptr<FetchedCheckpoint>()>& fetch) {
  const int local_rank = dist.local_rank.value_or(0);
  const bool first_on_node = local_rank == 0;
  fail_together([&] {
    if (first_on_node && !mine) mine = fetch();
  });
  nlohmann::json copy;  // null on the ranks that fetched nothing
  if (first_on_node) copy = {{"path", mine->local_path()}, {"description", mine->description()}};
  const std::vector<std::string> copies = group.allgather_bytes(copy.dump());
  std::unique_ptr<FetchedCheckpoint> node_copy;
  fail_together([&] {
    if (first_on_node) return;
    const int first = group.rank() - local_rank;
    const nlohmann::json found = nlohmann::json::parse(copies.at(size_t(first)));
    if (!found.is_object()) {
      throw Error("rank " + std::to_string(group.rank()) + " has LOCAL_RANK " + std::to_string(local_rank) +
                  ", but rank " + std::to_string(first) + " is not the first rank of its machine; number the ranks "
                  "of each machine contiguously, as torchrun does");
    }
    // Not this rank's to remove: no temporary folder of its own.
    node_copy = std::make_unique<FetchedCheckpoint>(found.at("path").get<std::string>(),
                                                    found.at("description").get<std::string>(), "");
  });
  return first_on_node ? std::move(mine) : std::move(node_copy);
}

}  // namespace cairn
