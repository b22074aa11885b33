#!/usr/bin/env python3
"""Writes libFuzzer seeds for decoder_fuzz from classic pcap files (standard library only).

Usage: seed_corpus.py OUT_DIR CAPTURE_OR_DIR...
Each seed is the fuzz input format of decoder_fuzz.cc: one byte choosing the link type, then
frames as a 2-byte big-endian length and the bytes. Single frames and runs of consecutive frames
(so fragments of one datagram and the packets of one flow meet) are both written. pcapng and
unknown link types are skipped: the fuzzer's mutations reach those paths from the others.
"""
import hashlib
import os
import struct
import sys

# Index in decoder_fuzz.cc's kLinkTypes for each pcap link type.
LINK_INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7, 9: 8, 104: 9, 12: 10, 14: 11}
PER_FILE = 200
RUN = 6
MAX_FRAME = 0x7FFF


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None, []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return None, []
    link = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    out, pos = [], 24
    while pos + 16 <= len(data) and len(out) < PER_FILE:
        caplen = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        pos += 16
        if caplen > len(data) - pos:
            break
        out.append(data[pos:pos + min(caplen, MAX_FRAME)])
        pos += caplen
    return link, out


def encode(index, packets):
    return bytes([index]) + b"".join(struct.pack(">H", len(p)) + p for p in packets)


def main():
    out_dir, inputs = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            for root, _, names in os.walk(item):
                paths += [os.path.join(root, n) for n in sorted(names) if n.endswith(".pcap")]
        elif os.path.isfile(item):
            paths.append(item)
    written = 0
    for path in sorted(paths):
        link, packets = frames(path)
        if link not in LINK_INDEX or not packets:
            continue
        seeds = [[p] for p in packets] + [packets[i:i + RUN] for i in range(0, len(packets), RUN)]
        for seed in seeds:
            blob = encode(LINK_INDEX[link], seed)
            name = hashlib.sha1(blob).hexdigest()
            with open(os.path.join(out_dir, name), "wb") as f:
                f.write(blob)
            written += 1
    print(f"seed_corpus: {written} seeds from {len(paths)} captures into {out_dir}")


if __name__ == "__main__":
    main()
