#include "vigil/sensors/tcp_stream.h"

#include <algorithm>
#include <cstring>

namespace vigil::sensors {
namespace {

// Sequence numbers wrap: compare them by their signed 32-bit distance.
int32_t seq_diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }

// A segment this far ahead of the next expected byte is not this stream's (a stale or forged
// sequence number, a midstream pickup that guessed wrong): holding it would only waste memory.
constexpr int32_t kMaxAhead = 16 << 20;

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

void TcpReassembler::flush(const StreamOptions& options, StreamStats& stats, StreamConsumer& consumer) {
  while (has_pending() && !depth_reached_) {
    skip_gap(stats);
    drain(options, stats, consumer);
  }
}

void TcpReassembler::release(StreamStats& stats) {
  account(stats, -static_cast<int64_t>(pending_bytes_));
  pending_.reset();
  pending_bytes_ = 0;
  drop_history(stats);
}

void TcpReassembler::drop_history(StreamStats& stats) {
  // The Hyperscan stream goes with it: bytes before this point never join a match after it.
  account(stats, -static_cast<int64_t>(history_cap_));
  history_.reset();
  history_len_ = 0;
  history_cap_ = 0;
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
  if (rel == 0 && !has_pending()) {  // the common case: straight through, no copy
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
    if (has_pending()) skip_gap(stats);
    drain(options, stats, consumer);
    return;
  }
  hold(seq, payload, stats);
  // The receiver acknowledged past the hole, or too much is waiting on it: it will not fill.
  const std::vector<Segment>& held = *pending_;
  const bool acked_past = has_peer_ack_ && seq_diff(peer_ack_, next_seq_) > 0 && !held.empty() &&
                          seq_diff(held.front().seq, next_seq_) > 0 && seq_diff(peer_ack_, held.front().seq) >= 0;
  if (acked_past || pending_bytes_ > options.max_pending) skip_gap(stats);
  drain(options, stats, consumer);
}

void TcpReassembler::hold(uint32_t seq, std::string_view payload, StreamStats& stats) {
  if (!pending_) pending_ = std::make_unique<std::vector<Segment>>();
  std::vector<Segment>& held = *pending_;
  // Insert only the bytes no held segment covers yet (first wins), keeping the list sorted and
  // non-overlapping.
  const size_t offered = payload.size();
  size_t added = 0;
  size_t i = 0;
  while (!payload.empty()) {
    while (i < held.size() && seq_diff(held[i].seq + static_cast<uint32_t>(held[i].data.size()), seq) <= 0) {
      ++i;  // held segment ends before this piece starts
    }
    if (i < held.size() && seq_diff(held[i].seq, seq) <= 0) {
      // This piece starts inside a held segment: skip the covered bytes.
      const auto covered =
          static_cast<size_t>(seq_diff(held[i].seq + static_cast<uint32_t>(held[i].data.size()), seq));
      const size_t n = std::min(covered, payload.size());
      payload.remove_prefix(n);
      seq += static_cast<uint32_t>(n);
      continue;
    }
    size_t n = payload.size();
    if (i < held.size()) n = std::min(n, static_cast<size_t>(seq_diff(held[i].seq, seq)));
    held.insert(held.begin() + static_cast<std::ptrdiff_t>(i), Segment{seq, std::string(payload.substr(0, n))});
    added += n;
    payload.remove_prefix(n);
    seq += static_cast<uint32_t>(n);
    ++i;
  }
  if (added < offered) ++stats.overlaps;
  pending_bytes_ += static_cast<uint32_t>(added);
  account(stats, static_cast<int64_t>(added));
}

void TcpReassembler::drain(const StreamOptions& options, StreamStats& stats, StreamConsumer& consumer) {
  if (!has_pending()) return;
  std::vector<Segment>& held = *pending_;
  size_t done = 0;
  while (done < held.size() && !depth_reached_) {
    const Segment& segment = held[done];
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
  if (depth_reached_) done = held.size();
  size_t freed = 0;
  for (size_t k = 0; k < done; ++k) freed += held[k].data.size();
  held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(done));
  pending_bytes_ -= static_cast<uint32_t>(freed);
  account(stats, -static_cast<int64_t>(freed));
  if (held.empty()) pending_.reset();  // most streams never reorder again
}

void TcpReassembler::skip_gap(StreamStats& stats) {
  const int32_t missing = seq_diff(pending_->front().seq, next_seq_);
  if (missing <= 0) return;
  ++stats.gaps;
  stats.gap_bytes += static_cast<uint64_t>(missing);
  offset_ += static_cast<uint64_t>(missing);
  next_seq_ = pending_->front().seq;
  drop_history(stats);  // bytes on either side of a hole are not adjacent
}

void TcpReassembler::deliver(std::string_view data, const StreamOptions& options, StreamStats& stats,
                             StreamConsumer& consumer) {
  if (options.depth > 0) {
    if (offset_ >= options.depth) {  // a gap jumped past the limit
      depth_reached_ = true;
      ++stats.depth_reached;
      drop_history(stats);
      return;
    }
    if (offset_ + data.size() >= options.depth) {
      data = data.substr(0, static_cast<size_t>(options.depth - offset_));
      depth_reached_ = true;
      ++stats.depth_reached;
    }
  }
  consumer.on_stream_data(detect_, std::string_view(history_.get(), history_len_), data, offset_ - history_len_);
  offset_ += data.size();
  stats.bytes += data.size();
  if (depth_reached_) {  // nothing more will be inspected: give the memory back now
    drop_history(stats);
    return;
  }
  remember(data, options, stats);
}

void TcpReassembler::remember(std::string_view data, const StreamOptions& options, StreamStats& stats) {
  const auto cap = static_cast<uint32_t>(std::min<size_t>(options.history, UINT32_MAX));
  if (cap == 0) return;
  if (!history_) {
    history_ = std::make_unique<char[]>(cap);
    history_cap_ = cap;
    account(stats, cap);
  }
  if (data.size() >= history_cap_) {
    std::memcpy(history_.get(), data.data() + data.size() - history_cap_, history_cap_);
    history_len_ = history_cap_;
    return;
  }
  const auto n = static_cast<uint32_t>(data.size());
  const uint32_t keep = std::min(history_len_, history_cap_ - n);
  std::memmove(history_.get(), history_.get() + history_len_ - keep, keep);
  std::memcpy(history_.get() + keep, data.data(), n);
  history_len_ = keep + n;
}

}  // namespace vigil::sensors
