// What a part of the restricted unpickler throws when the pickle is refused:
// a short reason only. The opcode loop adds the file name and the byte offset
// (restricted_unpickler.h), so every refusal reaches the user as one line.
#pragma once

#include <stdexcept>
#include <string>

namespace cairn::checkpoint::pickle {

class PickleFault : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cairn::checkpoint::pickle
