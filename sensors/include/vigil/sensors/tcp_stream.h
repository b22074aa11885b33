// TCP stream reassembly, one direction at a time: puts a flow's segments back in sequence order
// (out-of-order segments wait, retransmissions and overlaps resolve first-wins, holes that will
// never fill become counted gaps) and hands each run of new in-order bytes, with the bytes just
// before it, to detection. A Flow owns one TcpSession (both directions) once it carries TCP data.
// Thread contract: one worker thread, like the flow that owns it; no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/rules/stream_context.h"

namespace vigil::sensors {

struct StreamOptions {
  bool enabled = true;
  // Bytes of each direction reassembled and inspected, counted from the first sequence number seen
  // (Suricata's stream.reassembly.depth); later data is not inspected as stream. 0: no limit.
  uint64_t depth = 1 << 20;
  // Out-of-order bytes one direction may hold while it waits for a hole to fill; past this the
  // hole is declared a gap and inspection continues after it.
  size_t max_pending = 256 * 1024;
  // Recent in-order bytes kept per direction, so a match whose rule needs bytes of earlier
  // segments (a split fast pattern, a content chain) is verified against them.
  size_t history = 2048;
  // All pending and history bytes of one worker. At the cap a new out-of-order segment is not
  // buffered (counted in memcap_drops) and the hole it waited on becomes a gap.
  size_t memcap = size_t{256} << 20;
};

struct StreamStats {
  uint64_t segments = 0;         // TCP segments with payload that reached reassembly
  uint64_t in_order = 0;         // started exactly at the next expected byte
  uint64_t out_of_order = 0;     // arrived ahead of a hole and were held
  uint64_t retransmissions = 0;  // carried no new byte
  uint64_t overlaps = 0;         // partly old: the bytes seen first were kept
  uint64_t out_of_window = 0;    // too far ahead of the stream to be plausible: ignored
  uint64_t gaps = 0;             // holes given up on (their bytes were never captured)
  uint64_t gap_bytes = 0;
  uint64_t depth_reached = 0;    // directions that reached the depth limit
  uint64_t memcap_drops = 0;     // out-of-order segments not held because the memcap was reached
  uint64_t bytes = 0;            // in-order bytes handed to detection
  uint64_t sessions = 0;         // flows that got reassembly state
  uint64_t memory = 0;           // pending + history bytes held now
  uint64_t memory_peak = 0;
};

// Where in-order bytes go: `history` is the stream just before `data` (empty after a gap), and
// `history_offset` where history's first byte sits in the direction's stream (gaps included).
class StreamConsumer {
 public:
  virtual void on_stream_data(rules::StreamContext& detect, std::string_view history, std::string_view data,
                              uint64_t history_offset) = 0;

 protected:
  ~StreamConsumer() = default;
};

// One direction of one TCP connection.
class TcpReassembler {
 public:
  // The direction's SYN: data starts at isn + 1. Ignored once data was seen.
  void on_syn(uint32_t isn);
  // The other side acknowledged up to `ack`: a hole below it was sent and received, only not
  // captured, so it will never fill.
  void on_peer_ack(uint32_t ack);
  // A segment of this direction (`seq` is the sequence number of payload[0]).
  void add(uint32_t seq, std::string_view payload, const StreamOptions& options, StreamStats& stats,
           StreamConsumer& consumer);
  // The flow ends: whatever still waits behind a hole is inspected now. Each remaining hole
  // becomes a gap (counted; nothing matches across it) and the data after it goes to `consumer`
  // in sequence order, within the depth limit, as if the hole had been acknowledged.
  void flush(const StreamOptions& options, StreamStats& stats, StreamConsumer& consumer);
  // Frees what it holds (flow end) and takes it off stats.memory.
  void release(StreamStats& stats);

  uint64_t offset() const { return offset_; }  // stream bytes consumed, gaps included
  size_t pending_bytes() const { return pending_bytes_; }
  bool depth_reached() const { return depth_reached_; }

 private:
  struct Segment {
    uint32_t seq;
    std::string data;
  };
  void hold(uint32_t seq, std::string_view payload, StreamStats& stats);
  void drain(const StreamOptions& options, StreamStats& stats, StreamConsumer& consumer);
  void deliver(std::string_view data, const StreamOptions& options, StreamStats& stats, StreamConsumer& consumer);
  void skip_gap(StreamStats& stats);
  void drop_history(StreamStats& stats);
  void remember(std::string_view data, const StreamOptions& options, StreamStats& stats);
  bool has_pending() const { return pending_ && !pending_->empty(); }
  static void account(StreamStats& stats, int64_t delta);

  // Laid out small: one of these per direction of every TCP flow with data. The out-of-order list
  // and the history exist only once needed.
  uint32_t next_seq_ = 0;  // the next byte expected in order
  uint32_t peer_ack_ = 0;
  uint32_t pending_bytes_ = 0;
  uint32_t history_len_ = 0;
  uint32_t history_cap_ = 0;
  bool started_ = false;
  bool has_peer_ack_ = false;
  bool depth_reached_ = false;
  uint64_t offset_ = 0;
  std::unique_ptr<std::vector<Segment>> pending_;  // out-of-order data by sequence, non-overlapping
  std::unique_ptr<char[]> history_;                // the last history_len_ in-order bytes
  rules::StreamContext detect_;
};

// Both directions of one TCP flow. Gives its memory back to the worker's stats when the flow ends.
class TcpSession {
 public:
  explicit TcpSession(StreamStats& stats) : stats_(&stats) { ++stats.sessions; }
  ~TcpSession();
  TcpSession(const TcpSession&) = delete;
  TcpSession& operator=(const TcpSession&) = delete;

  TcpReassembler& direction(bool toward_server) { return toward_server ? to_server_ : to_client_; }

 private:
  StreamStats* stats_;
  TcpReassembler to_server_;
  TcpReassembler to_client_;
};

}  // namespace vigil::sensors
