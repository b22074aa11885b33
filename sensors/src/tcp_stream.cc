#include "vigil/sensors/tcp_stream.h"

#include <algorithm>

namespace vigil::sensors {
namespace {

// Sequence numbers wrap: compare them by their signed 32-bit distance.
int32_t seq_diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }

// A segment this far ahead of the next expected byte is not this stream's (a stale or forged
// sequence number, a midstream pickup that guessed wrong): holding it would only waste memory.
constexpr int32_t kMaxAhead = 16 << 20;

// Heap bytes a string holds (short strings live inside the object and cost nothing extra).
int64_t heap_bytes(const std::string& s) {
  static const size_t kInline = std::string().capacity();
  return s.capacity() > kInline ? static_cast<int64_t>(s.capacity()) : 0;
}

}  // namespace

TcpSession::~TcpSession() {
  to_server_.release(*stats_);
  to_client_.release(*stats_);
}

void TcpReassembler::account(StreamStats& stats, int64_t delta) {
  stats.memory = static_cast<uint64_t>(static_cast<int64_t>(stats.memory) + delta);
  stats.memory_peak = std::max(stats.memory_peak, stats.memory);
}

void TcpReassembler::on_syn(uint32_t isn) {
  if (started_) return;
  next_seq_ = isn + 1;
  started_ = true;
}

void TcpReassembler::on_peer_ack(uint32_t ack) {
  if (!has_peer_ack_ || seq_diff(ack, peer_ack_) > 0) peer_ack_ = ack;
  has_peer_ack_ = true;
}

void TcpReassembler::release(StreamStats& stats) {
  account(stats, -static_cast<int64_t>(pending_bytes_) - heap_bytes(history_));
  pending_.clear();
  pending_.shrink_to_fit();
  pending_bytes_ = 0;
  std::string().swap(history_);
  detect_.reset();
}

void TcpReassembler::add(uint32_t seq, std::string_view payload, const StreamOptions& options, StreamStats& stats,
                         StreamConsumer& consumer) {
  if (payload.empty()) return;
  ++stats.segments;
  if (depth_reached_) return;
  if (!started_) {  // midstream pickup: the stream starts with the first data seen
    next_seq_ = seq;
    started_ = true;
  }
  int64_t rel = seq_diff(seq, next_seq_);
  const int64_t end = rel + static_cast<int64_t>(payload.size());
  if (end <= 0) {
    ++stats.retransmissions;
    return;
  }
  if (rel > kMaxAhead) {
    ++stats.out_of_window;
    return;
  }
  if (rel < 0) {  // the start was seen before: first wins, only the new tail counts
    ++stats.overlaps;
    payload.remove_prefix(static_cast<size_t>(-rel));
    seq = next_seq_;
    rel = 0;
  }
  if (rel == 0 && pending_.empty()) {  // the common case: straight through, no copy
    ++stats.in_order;
    deliver(payload, options, stats, consumer);
    next_seq_ += static_cast<uint32_t>(payload.size());
    return;
  }
  if (rel == 0) {
    ++stats.in_order;
  } else {
    ++stats.out_of_order;
  }
  if (stats.memory + payload.size() > options.memcap && rel > 0) {
    ++stats.memcap_drops;  // it cannot wait: the hole before it becomes a gap
    if (!pending_.empty()) skip_gap(options, stats);
    drain(options, stats, consumer);
    return;
  }
  hold(seq, payload, stats);
  // The receiver acknowledged past the hole, or too much is waiting on it: it will not fill.
  const bool acked_past = has_peer_ack_ && seq_diff(peer_ack_, next_seq_) > 0 &&
                          !pending_.empty() && seq_diff(pending_.front().seq, next_seq_) > 0 &&
                          seq_diff(peer_ack_, pending_.front().seq) >= 0;
  if (acked_past || pending_bytes_ > options.max_pending) skip_gap(options, stats);
  drain(options, stats, consumer);
}

void TcpReassembler::hold(uint32_t seq, std::string_view payload, StreamStats& stats) {
  // Insert only the bytes no held segment covers yet (first wins), keeping pending_ sorted and
  // non-overlapping.
  const size_t offered = payload.size();
  size_t added = 0;
  size_t i = 0;
  while (!payload.empty()) {
    while (i < pending_.size() &&
           seq_diff(pending_[i].seq + static_cast<uint32_t>(pending_[i].data.size()), seq) <= 0) {
      ++i;  // held segment ends before this piece starts
    }
    if (i < pending_.size() && seq_diff(pending_[i].seq, seq) <= 0) {
      // This piece starts inside a held segment: skip the covered bytes.
      const auto covered = static_cast<size_t>(
          seq_diff(pending_[i].seq + static_cast<uint32_t>(pending_[i].data.size()), seq));
      const size_t n = std::min(covered, payload.size());
      payload.remove_prefix(n);
      seq += static_cast<uint32_t>(n);
      continue;
    }
    size_t n = payload.size();
    if (i < pending_.size()) n = std::min(n, static_cast<size_t>(seq_diff(pending_[i].seq, seq)));
    pending_.insert(pending_.begin() + static_cast<std::ptrdiff_t>(i), Segment{seq, std::string(payload.substr(0, n))});
    added += n;
    payload.remove_prefix(n);
    seq += static_cast<uint32_t>(n);
    ++i;
  }
  if (added < offered) ++stats.overlaps;
  pending_bytes_ += added;
  account(stats, static_cast<int64_t>(added));
}

void TcpReassembler::drain(const StreamOptions& options, StreamStats& stats, StreamConsumer& consumer) {
  size_t done = 0;
  while (done < pending_.size() && !depth_reached_) {
    Segment& segment = pending_[done];
    const int32_t rel = seq_diff(segment.seq, next_seq_);
    if (rel > 0) break;  // a hole remains
    std::string_view data = segment.data;
    if (rel < 0) data.remove_prefix(std::min(data.size(), static_cast<size_t>(-rel)));
    if (!data.empty()) {
      deliver(data, options, stats, consumer);
      next_seq_ += static_cast<uint32_t>(data.size());
    }
    ++done;
  }
  if (depth_reached_) done = pending_.size();
  size_t freed = 0;
  for (size_t k = 0; k < done; ++k) freed += pending_[k].data.size();
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
  pending_bytes_ -= freed;
  account(stats, -static_cast<int64_t>(freed));
}

void TcpReassembler::skip_gap(const StreamOptions& /*options*/, StreamStats& stats) {
  const int32_t missing = seq_diff(pending_.front().seq, next_seq_);
  if (missing <= 0) return;
  ++stats.gaps;
  stats.gap_bytes += static_cast<uint64_t>(missing);
  offset_ += static_cast<uint64_t>(missing);
  next_seq_ = pending_.front().seq;
  // Bytes on either side of a hole are not adjacent: no match may join them.
  account(stats, -heap_bytes(history_));
  std::string().swap(history_);
  detect_.reset();
}

void TcpReassembler::deliver(std::string_view data, const StreamOptions& options, StreamStats& stats,
                             StreamConsumer& consumer) {
  if (options.depth > 0) {
    if (offset_ >= options.depth) {  // a gap jumped past the limit
      depth_reached_ = true;
      ++stats.depth_reached;
      return;
    }
    if (offset_ + data.size() >= options.depth) {
      data = data.substr(0, static_cast<size_t>(options.depth - offset_));
      depth_reached_ = true;
      ++stats.depth_reached;
    }
  }
  consumer.on_stream_data(detect_, history_, data);
  offset_ += data.size();
  stats.bytes += data.size();
  if (depth_reached_) {  // nothing more will be inspected: give the memory back now
    account(stats, -heap_bytes(history_));
    std::string().swap(history_);
    detect_.reset();
    return;
  }
  if (options.history == 0) return;
  const int64_t before = heap_bytes(history_);
  if (data.size() >= options.history) {
    history_.assign(data.substr(data.size() - options.history));
  } else {
    const size_t keep = std::min(history_.size(), options.history - data.size());
    history_.erase(0, history_.size() - keep);
    history_.append(data);
  }
  if (heap_bytes(history_) != before) account(stats, heap_bytes(history_) - before);
}

}  // namespace vigil::sensors
