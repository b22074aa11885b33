#!/usr/bin/env python3
"""Writes libFuzzer seeds for http_fuzz, tls_fuzz and dns_fuzz from classic pcap files.

Usage: applayer_seeds.py OUT_DIR CAPTURE_OR_DIR...
Writes OUT_DIR/http, OUT_DIR/tls and OUT_DIR/dns. Each seed is one flow in the format of
fuzz/applayer_fuzz_input.h: chunks of a flags byte (bit 0: to_client) and a length byte, then the
bytes; dns seeds start with a byte whose bit 0 says TCP. Flows are picked by port (HTTP 80, 8080,
3128, 5000; TLS 443; DNS 53); TCP payloads are taken in capture order, not reassembled, which is
good enough for seeds. Ethernet (with VLAN tags), Linux SLL and raw IP; IPv4 and IPv6.
"""
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_corpus import frames  # noqa: E402

PORTS = {80: "http", 8080: "http", 3128: "http", 5000: "http", 443: "tls", 53: "dns"}
MAX_SEED = 16384
PER_TARGET = 400


def ip_packet(link, frame):
    if link == 1:  # Ethernet, VLAN tags
        pos, ethertype = 14, struct.unpack(">H", frame[12:14])[0] if len(frame) >= 14 else 0
        while ethertype in (0x8100, 0x88A8) and len(frame) >= pos + 4:
            ethertype = struct.unpack(">H", frame[pos + 2:pos + 4])[0]
            pos += 4
        return frame[pos:] if ethertype in (0x0800, 0x86DD) else None
    if link == 113 and len(frame) >= 16:  # Linux SLL
        return frame[16:] if struct.unpack(">H", frame[14:16])[0] in (0x0800, 0x86DD) else None
    if link in (101, 228, 229, 12, 14):
        return frame
    return None


def transport(packet):
    """(proto, src, sport, dst, dport, payload) or None."""
    if not packet:
        return None
    version = packet[0] >> 4
    if version == 4 and len(packet) >= 20:
        ihl = (packet[0] & 15) * 4
        if struct.unpack(">H", packet[6:8])[0] & 0x3FFF:
            return None  # fragments: skipped
        proto, src, dst, body = packet[9], packet[12:16], packet[16:20], packet[ihl:]
    elif version == 6 and len(packet) >= 40:
        proto, src, dst, body = packet[6], packet[8:24], packet[24:40], packet[40:]
    else:
        return None
    if proto == 6 and len(body) >= 20:
        sport, dport = struct.unpack(">HH", body[:4])
        return proto, src, sport, dst, dport, body[(body[12] >> 4) * 4:]
    if proto == 17 and len(body) >= 8:
        sport, dport = struct.unpack(">HH", body[:4])
        return proto, src, sport, dst, dport, body[8:]
    return None


def encode(chunks):
    out = bytearray()
    for to_client, payload in chunks:
        for i in range(0, len(payload), 255):
            piece = payload[i:i + 255]
            out += bytes([1 if to_client else 0, len(piece)]) + piece
            if len(out) > MAX_SEED:
                return bytes(out)
    return bytes(out)


def main():
    out_dir, inputs = sys.argv[1], sys.argv[2:]
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            for root, _, names in os.walk(item):
                paths += [os.path.join(root, n) for n in sorted(names) if n.endswith(".pcap")]
        elif os.path.isfile(item):
            paths.append(item)
    flows = {}
    for path in paths:
        link, packets = frames(path)
        if link is None:
            continue
        for frame in packets:
            t = transport(ip_packet(link, frame))
            if t is None or not t[5]:
                continue
            proto, src, sport, dst, dport = t[:5]
            kind = PORTS.get(dport) or PORTS.get(sport)
            if kind is None:
                continue
            key = (path, proto) + tuple(sorted([(src, sport), (dst, dport)]))
            flow = flows.setdefault(key, {"kind": kind, "tcp": proto == 6, "client": (src, sport), "chunks": []})
            flow["chunks"].append(((src, sport) != flow["client"], t[5]))
    written = {"http": 0, "tls": 0, "dns": 0}
    for flow in flows.values():
        kind = flow["kind"]
        if written[kind] >= PER_TARGET:
            continue
        seed = encode(flow["chunks"])
        if kind == "dns":
            seed = bytes([1 if flow["tcp"] else 0]) + seed
        target = os.path.join(out_dir, kind)
        os.makedirs(target, exist_ok=True)
        with open(os.path.join(target, hashlib.sha1(seed).hexdigest()[:16]), "wb") as f:
            f.write(seed)
        written[kind] += 1
    print("applayer_seeds: " + ", ".join(f"{k} {v}" for k, v in written.items()))


if __name__ == "__main__":
    main()
