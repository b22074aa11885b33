#include "vigil/sensors/pcap_live_source.h"

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>

#include <poll.h>
#include <pcap/pcap.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <optional>

namespace vigil::sensors {

namespace asio = boost::asio;

struct PcapLiveSource::Impl {
  struct Closer {
    void operator()(pcap_t* handle) const { pcap_close(handle); }
  };
  explicit Impl(asio::io_context& context) : io(context), descriptor(context), timer(context) {}
  ~Impl() {
    // libpcap owns the fd: take it back from Asio before either closes it.
    boost::system::error_code ignored;
    descriptor.cancel(ignored);
    if (descriptor.is_open()) descriptor.release();
  }

  asio::io_context& io;
  std::unique_ptr<pcap_t, Closer> pcap;
  int fd = -1;
  asio::posix::stream_descriptor descriptor;
  // Without immediate mode the kernel may hold a partly filled block without waking the fd;
  // libpcap then asks for a periodic dispatch (pcap_get_required_select_timeout).
  asio::steady_timer timer;
  std::optional<std::chrono::microseconds> poll_interval;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);  // handlers check it before touching us
};

namespace {

std::string activation_error(pcap_t* pcap, int rc, const std::string& interface) {
  const std::string prefix = "capture on " + interface + ": ";
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE: return prefix + "no such interface";
    case PCAP_ERROR_PERM_DENIED:
      return prefix + "permission denied (live capture needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities)";
    case PCAP_ERROR_PROMISC_PERM_DENIED: return prefix + "permission denied for promiscuous mode";
    case PCAP_ERROR_IFACE_NOT_UP: return prefix + "interface is down";
    case PCAP_ERROR_RFMON_NOTSUP: return prefix + "monitor mode is not supported";
    default: return prefix + pcap_geterr(pcap);
  }
}

Result<void> check(int rc, const std::string& interface, const char* what) {
  if (rc == 0) return ok();
  return fail(ErrorCode::invalid_argument, "capture on " + interface + ": cannot set " + what + " (" +
                                               pcap_statustostr(rc) + ")");
}

}  // namespace

PcapLiveSource::PcapLiveSource(LiveCaptureOptions options, std::unique_ptr<Impl> impl, int link_type)
    : options_(std::move(options)), impl_(std::move(impl)), link_type_(link_type) {}

PcapLiveSource::~PcapLiveSource() = default;

Result<std::unique_ptr<PcapLiveSource>> PcapLiveSource::open(asio::io_context& io, const LiveCaptureOptions& options) {
  const std::string& name = options.interface;
  if (name.empty()) return fail(ErrorCode::invalid_argument, "live capture: no interface named");
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  auto impl = std::make_unique<Impl>(io);
  impl->pcap.reset(pcap_create(name.c_str(), errbuf));
  if (!impl->pcap) return fail(ErrorCode::invalid_argument, "capture on " + name + ": " + errbuf);
  pcap_t* pcap = impl->pcap.get();

  if (auto r = check(pcap_set_snaplen(pcap, static_cast<int>(options.snaplen)), name, "snap length"); !r) {
    return fail(r.error());
  }
  if (auto r = check(pcap_set_promisc(pcap, options.promiscuous ? 1 : 0), name, "promiscuous mode"); !r) {
    return fail(r.error());
  }
  if (auto r = check(pcap_set_immediate_mode(pcap, options.immediate ? 1 : 0), name, "immediate mode"); !r) {
    return fail(r.error());
  }
  if (auto r = check(pcap_set_buffer_size(pcap, static_cast<int>(options.buffer_bytes)), name, "buffer size");
      !r) {
    return fail(r.error());
  }
  // Without immediate mode, a block is delivered at the latest after this long.
  if (auto r = check(pcap_set_timeout(pcap, 100), name, "read timeout"); !r) return fail(r.error());

  const int rc = pcap_activate(pcap);
  if (rc < 0) {
    const ErrorCode code = rc == PCAP_ERROR_NO_SUCH_DEVICE ? ErrorCode::not_found : ErrorCode::io_error;
    return fail(code, activation_error(pcap, rc, name));
  }
  // rc > 0 is a warning (e.g. promiscuous mode not supported): capture still works.

  if (!options.bpf_filter.empty()) {
    bpf_program program{};
    if (pcap_compile(pcap, &program, options.bpf_filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return fail(ErrorCode::invalid_argument,
                  "capture on " + name + ": bad BPF filter '" + options.bpf_filter + "': " + pcap_geterr(pcap));
    }
    const int set = pcap_setfilter(pcap, &program);
    pcap_freecode(&program);
    if (set != 0) {
      return fail(ErrorCode::io_error, "capture on " + name + ": cannot install BPF filter '" + options.bpf_filter +
                                           "': " + pcap_geterr(pcap));
    }
  }

  if (pcap_setnonblock(pcap, 1, errbuf) != 0) {
    return fail(ErrorCode::io_error, "capture on " + name + ": cannot make the capture non-blocking: " + errbuf);
  }
  impl->fd = pcap_get_selectable_fd(pcap);
  if (impl->fd < 0) {
    return fail(ErrorCode::unsupported, "capture on " + name + ": the capture has no selectable descriptor");
  }
  boost::system::error_code ec;
  impl->descriptor.assign(impl->fd, ec);
  if (ec) return fail(ErrorCode::io_error, "capture on " + name + ": " + ec.message());
  if (const timeval* tv = pcap_get_required_select_timeout(pcap); tv != nullptr) {
    impl->poll_interval = std::chrono::seconds(tv->tv_sec) + std::chrono::microseconds(tv->tv_usec);
  }
  const int link_type = pcap_datalink(pcap);
  return std::unique_ptr<PcapLiveSource>(new PcapLiveSource(options, std::move(impl), link_type));
}

namespace {

RawPacket raw_of(const pcap_pkthdr* header, const u_char* data) {
  RawPacket raw;
  raw.ts = static_cast<Timestamp>(header->ts.tv_sec) * kMicrosPerSecond + static_cast<Timestamp>(header->ts.tv_usec);
  raw.data = data;
  raw.caplen = header->caplen;
  raw.wire_len = header->len;
  return raw;
}

}  // namespace

Result<bool> PcapLiveSource::next(RawPacket& out) {
  while (!stopped_.load(std::memory_order_relaxed)) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(impl_->pcap.get(), &header, &data);
    if (rc == 1) {
      ++received_;
      out = raw_of(header, data);
      return true;
    }
    if (rc < 0) {
      return fail(ErrorCode::io_error, "capture on " + options_.interface + ": " + pcap_geterr(impl_->pcap.get()));
    }
    // Nothing buffered: wait for the fd, waking now and then to notice stop().
    pollfd pfd{impl_->fd, POLLIN, 0};
    ::poll(&pfd, 1, 100);
  }
  return false;
}

void PcapLiveSource::start(PacketHandler on_packet, ErrorHandler on_error) {
  on_packet_ = std::move(on_packet);
  on_error_ = std::move(on_error);
  stopped_ = false;
  arm();
}

void PcapLiveSource::arm() {
  if (stopped_) return;
  std::weak_ptr<bool> alive = impl_->alive;
  impl_->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                               [this, alive](const boost::system::error_code& ec) {
                                 if (alive.expired() || ec || stopped_) return;
                                 dispatch();
                                 arm();
                               });
  if (impl_->poll_interval) {
    impl_->timer.expires_after(*impl_->poll_interval);
    impl_->timer.async_wait([this, alive](const boost::system::error_code& ec) {
      if (alive.expired() || ec || stopped_) return;
      dispatch();
      boost::system::error_code ignored;
      impl_->descriptor.cancel(ignored);  // both waits are armed afresh
      arm();
    });
  }
}

void PcapLiveSource::dispatch() {
  auto callback = [](u_char* user, const pcap_pkthdr* header, const u_char* data) {
    auto* self = reinterpret_cast<PcapLiveSource*>(user);  // NOLINT: libpcap's user pointer
    ++self->received_;
    self->on_packet_(raw_of(header, data));
  };
  const int rc = pcap_dispatch(impl_->pcap.get(), static_cast<int>(options_.dispatch_batch), callback,
                               reinterpret_cast<u_char*>(this));  // NOLINT
  if (rc == PCAP_ERROR && !stopped_) {
    stopped_ = true;
    if (on_error_) {
      on_error_(Error{ErrorCode::io_error, "capture on " + options_.interface + ": " + pcap_geterr(impl_->pcap.get())});
    }
  }
}

void PcapLiveSource::stop() {
  stopped_ = true;
  // The descriptor and timer belong to the io_context's thread: cancel them there.
  std::weak_ptr<bool> alive = impl_->alive;
  Impl* impl = impl_.get();
  asio::post(impl_->io, [impl, alive] {
    if (alive.expired()) return;
    boost::system::error_code ignored;
    impl->descriptor.cancel(ignored);
    impl->timer.cancel();
  });
}

Result<CaptureStats> PcapLiveSource::stats() const {
  pcap_stat ps{};
  if (pcap_stats(impl_->pcap.get(), &ps) != 0) {
    return fail(ErrorCode::io_error,
                "capture on " + options_.interface + ": cannot read statistics: " + pcap_geterr(impl_->pcap.get()));
  }
  CaptureStats stats;
  stats.received = received_;
  stats.kernel_drops = ps.ps_drop;
  stats.interface_drops = ps.ps_ifdrop;
  return stats;
}

}  // namespace vigil::sensors
