#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A bounded SYN flood from spoofed IPv4 sources, for test_syn_flood.sh.

Frames are built with struct (Ethernet + IPv4 + TCP, no options; the TCP checksum from a
precomputed partial sum) and sent with one AF_PACKET socket on IFACE, in bursts paced to RATE
frames a second, so nothing in the sending namespace (routing, netfilter) sees them. Each frame
has a random source address from the NETS given (every host of each /24 but .0, .1, .2 and .255:
.1 and .2 are the test's own routers and client on 192.0.2.0/24), a random source port
(1024-65535) and a random sequence number.

usage: syn_flood.py IFACE DST_MAC DST_ADDR DPORT [options]
  --count N     frames to send at most (default 40000)
  --secs S      stop after S seconds even if fewer were sent (default 4)
  --rate R      frames a second (default 15000)
  --flags F     TCP flags byte (default 0x02, SYN; 0x10 sends bare ACKs)
  --sport P     a fixed source port instead of random ones
  --nets A,B    source /24 networks, as their first three octets (default
                192.0.2,203.0.113)
  --seed N      random seed (default: from the OS)

Prints one line "sent=N secs=S.SSS tuples=N errors=N" (tuples: distinct source address and
port pairs). Exit status 0 when at least one frame left, 1 otherwise.
"""
import argparse
import random
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
BURST = 64


def csum_fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def words(b):
    """The sum of b's 16-bit big-endian words (even length)."""
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


def mac_bytes(mac):
    b = bytes(int(x, 16) for x in mac.split(":"))
    if len(b) != 6:
        raise ValueError("bad MAC %r" % mac)
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("dmac")
    ap.add_argument("dst")
    ap.add_argument("dport", type=int)
    ap.add_argument("--count", type=int, default=40000)
    ap.add_argument("--secs", type=float, default=4.0)
    ap.add_argument("--rate", type=int, default=15000)
    ap.add_argument("--flags", type=lambda s: int(s, 0), default=0x02)
    ap.add_argument("--sport", type=int)
    ap.add_argument("--nets", default="192.0.2,203.0.113")
    ap.add_argument("--seed", type=int)
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    hosts = []
    for net in a.nets.split(","):
        octets = [int(x) for x in net.split(".")]
        if len(octets) != 3 or not all(0 <= o <= 255 for o in octets):
            sys.exit("syn_flood.py: bad network %r" % net)
        hosts += [bytes(octets + [h]) for h in range(3, 255)]
    dst = socket.inet_aton(a.dst)

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    smac = s.getsockname()[4][:6]
    eth = mac_bytes(a.dmac) + smac + struct.pack("!H", ETH_P_IP)

    # IPv4 header without addresses and checksum: 40 bytes in all, DF, TTL 64, TCP.
    ip_fixed = struct.pack("!BBHHHBBH", 0x45, 0, 40, 0, 0x4000, 64, socket.IPPROTO_TCP, 0)
    ip_part = words(ip_fixed) + words(dst)  # + source address words, per frame
    # TCP header: window 64240, data offset 5 (20 bytes, no options).
    win, off_flags = 64240, (5 << 12) | a.flags
    # pseudo-header (dst, proto, length) + fixed TCP words (dport, offset/flags, window)
    tcp_part = words(dst) + socket.IPPROTO_TCP + 20 + a.dport + off_flags + win

    sent = errors = 0
    tuples = set()
    t0 = time.monotonic()
    deadline = t0 + a.secs
    interval = BURST / a.rate if a.rate > 0 else 0.0
    nxt = t0
    while sent < a.count:
        now = time.monotonic()
        if now >= deadline:
            break
        if nxt > now:
            time.sleep(nxt - now)
        nxt += interval
        for _ in range(min(BURST, a.count - sent)):
            src = rnd.choice(hosts)
            sport = a.sport if a.sport is not None else rnd.randint(1024, 65535)
            seq = rnd.getrandbits(32)
            sw = (src[0] << 8 | src[1]) + (src[2] << 8 | src[3])
            ipc = 0xFFFF - csum_fold(ip_part + sw)
            tc = 0xFFFF - csum_fold(tcp_part + sw + sport + (seq >> 16) + (seq & 0xFFFF))
            frame = (eth + ip_fixed[:10] + struct.pack("!H", ipc) + src + dst
                     + struct.pack("!HHIIHHHH", sport, a.dport, seq, 0, off_flags, win, tc, 0))
            try:
                s.send(frame)
                sent += 1
                tuples.add((src, sport))
            except OSError:
                errors += 1
    secs = time.monotonic() - t0
    print("sent=%d secs=%.3f tuples=%d errors=%d" % (sent, secs, len(tuples), errors))
    return 0 if sent else 1


if __name__ == "__main__":
    sys.exit(main())
