#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One TCP ACK segment of a connection nobody opened, through a raw socket (no scapy).

usage: stray_ack.py SRC DST SPORT DPORT SEQ ACK

SRC must be an address of this namespace (the kernel writes the IP header, the TCP header and
its checksum are ours). With pickup off, tcpfwd drops it as new_not_syn.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inet_sum import csum16  # noqa: E402


def main():
    src, dst = sys.argv[1], sys.argv[2]
    sport, dport, seq, ack = (int(a) for a in sys.argv[3:7])
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x10, 65535, 0, 0)
    a, b = socket.inet_pton(family, src), socket.inet_pton(family, dst)
    if family == socket.AF_INET:
        pseudo = a + b + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    else:
        pseudo = a + b + struct.pack("!I3xB", len(tcp), socket.IPPROTO_TCP)
    tcp = tcp[:16] + struct.pack("!H", ~csum16(pseudo + tcp) & 0xFFFF) + tcp[18:]
    s = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.bind((src, 0))
    s.sendto(tcp, (dst, 0))


if __name__ == "__main__":
    main()
