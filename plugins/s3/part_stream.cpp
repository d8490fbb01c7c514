#include "part_stream.h"

#include <algorithm>
#include <utility>

#include "cairn/errors.h"

namespace s3store {

uint64_t stream_part_size(uint64_t base, uint64_t part_number) {
  return base * (1 + (part_number - 1) / 1'000);
}

PartStream::PartStream(PartProtocol protocol, PartPool& pool, size_t max_in_flight, uint64_t size_hint,
                       cairn::ProgressFn progress)
    : protocol_(std::move(protocol)),
      pool_(pool),
      max_in_flight_(std::max<size_t>(1, max_in_flight)),
      size_hint_(size_hint),
      progress_(std::move(progress)) {
  if (progress_) progress_(0, size_hint_);
}

PartStream::~PartStream() {
  // The parts in flight refer to this object: they finish first.
  wait_until_in_flight_below(1);
  if (started_ && !committed_ && protocol_.abort) protocol_.abort();
}

uint64_t PartStream::part_target() const {
  const uint64_t size = protocol_.part_size(next_part_);
  // The first part also holds back everything that may still go up whole.
  return next_part_ == 1 ? std::max(size, protocol_.whole_below) : size;
}

void PartStream::check_usable() const {
  if (spent_) {  // committed, or failed: its parts are gone
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            protocol_.what + " failed: the stream was already committed or failed; start a new one");
  }
}

void PartStream::write(const char* data, size_t size) {
  check_usable();
  while (size > 0) {
    if (buffer_.size() >= part_target()) send_buffer(/*last=*/false);
    const size_t take = static_cast<size_t>(std::min<uint64_t>(size, part_target() - buffer_.size()));
    if (buffer_.capacity() < part_target()) buffer_.reserve(part_target());
    buffer_.append(data, take);
    data += take;
    size -= take;
    written_ += take;
  }
}

void PartStream::send_buffer(bool last) {
  if (next_part_ > protocol_.max_parts) {
    spent_ = true;
    throw cairn::StoreError(cairn::StoreErrorKind::kOther,
                            protocol_.what + " failed: the stream needs more than " +
                                std::to_string(protocol_.max_parts) + " parts, the store's limit; " +
                                protocol_.too_many_parts_remedy);
  }
  wait_until_in_flight_below(max_in_flight_);
  rethrow_failure();
  if (!started_) {
    try {
      protocol_.start();
    } catch (...) {
      spent_ = true;
      throw;
    }
    started_ = true;
  }
  const uint64_t number = next_part_++;
  const uint64_t offset = sent_;
  sent_ += buffer_.size();
  std::string next;
  {
    std::lock_guard<std::mutex> guard(lock_);
    receipts_.resize(number);
    ++in_flight_;
    if (!spare_buffers_.empty()) {
      next = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
    }
  }
  auto part = std::make_shared<std::string>(std::move(buffer_));
  buffer_ = std::move(next);
  buffer_.clear();
  try {
    pool_.post([this, part, number, offset, last] {
      const uint64_t length = part->size();
      std::string receipt;
      std::exception_ptr error;
      bool skip;
      {
        std::lock_guard<std::mutex> guard(lock_);
        skip = failure_ != nullptr;
      }
      if (!skip) {
        try {
          receipt = protocol_.send_part(number, *part, offset, last);
        } catch (...) {
          error = std::current_exception();
        }
      }
      std::lock_guard<std::mutex> guard(lock_);
      if (error && !failure_) failure_ = error;
      if (!skip && !error) {
        receipts_[number - 1] = std::move(receipt);
        confirmed_ += length;
        report_progress(confirmed_);
      }
      part->clear();
      spare_buffers_.push_back(std::move(*part));
      --in_flight_;
      part_done_.notify_all();
    });
  } catch (...) {  // posting failed (out of memory)
    std::lock_guard<std::mutex> guard(lock_);
    --in_flight_;
    if (!failure_) failure_ = std::current_exception();
  }
}

void PartStream::wait_until_in_flight_below(size_t limit) {
  std::unique_lock<std::mutex> guard(lock_);
  part_done_.wait(guard, [&] { return in_flight_ < limit; });
}

void PartStream::rethrow_failure() {
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> guard(lock_);
    error = failure_;
  }
  if (error) {
    spent_ = true;
    std::rethrow_exception(error);
  }
}

void PartStream::report_progress(uint64_t confirmed_bytes) {
  // Called with lock_ held, so reports arrive one at a time and in order.
  if (progress_) progress_(confirmed_bytes, std::max(size_hint_, written_.load()));
}

void PartStream::commit() {
  check_usable();
  spent_ = true;  // whatever happens next, this stream is done
  // An empty stream goes up whole too: a multipart upload needs a part.
  if (!started_ && (buffer_.size() < protocol_.whole_below || buffer_.empty())) {
    protocol_.send_whole(buffer_);
    committed_ = true;
    if (progress_) progress_(written_, written_);
    return;
  }
  send_buffer(/*last=*/true);
  wait_until_in_flight_below(1);
  rethrow_failure();
  protocol_.finish(receipts_, written_);
  committed_ = true;
  if (progress_) progress_(written_, written_);
}

}  // namespace s3store
