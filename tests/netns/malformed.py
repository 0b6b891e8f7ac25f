#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Malformed packets for test_malformed.sh: the rows of docs/robustness.md section 2, sent
through the live tcpfwd, with the measurements the test judges them by.

One long-running process, started in the client namespace, reads commands from a FIFO and
answers each with one line on another FIFO. At start it enters the server and fw namespaces
(setns) just long enough to open raw AF_PACKET sockets there, so it can send from both ends of
the path and watch what arrives:

  sender c0   client -> fw (fc) -> tcpfwd -> fw (fs) -> server, to the fw's fc MAC
  sender s0   server -> fw (fs) -> tcpfwd -> fw (fc) -> client, to the fw's fs MAC
  sniffer s0, c0   every marked frame (TTL / hop limit 199: crafted with 200, one hop)
  sniffer fc       largest frame entering the fw (row 24, GSO super-packets)

Each crafted packet carries a tag, its IPv4 ID or IPv6 flow label, so the sniffers can tell
which packets of a row arrived. Packets are built with scapy (TCP and its options) and then
edited byte by byte where a row needs a field that no stack would write; checksums are
recomputed after every edit unless the row is about the checksum. Rows that need an
established connection craft both of its ends (Flow), so every sequence number is the row's
choice; both kernels drop marked packets on arrival, so no endpoint ever answers them.

Around each row: the stats once tcpfwd has judged all the kernel queued, the fw namespace's
counters (/proc/TCPFWD_PID/net), the packets, then a barrier (a valid SYN each way) that must
arrive, and the same measurements again. Row 24 is a bulk IPv6 transfer from this process's
own namespace instead, to the server's tcp_server.py on --bulk-port.

usage:
  malformed.py serve --cmd FIFO --resp FIFO --fw-mac-c MAC --fw-mac-s MAC --ns-server NAME
                     --ns-fw NAME --tcpfwctl PATH --socket PATH --tcpfwd-pid PID
                     --addrs C4,S4,C6,S6 [--bulk-port PORT]

commands (one a line) and answers:
  row ID     runs row ID (see ROWS) and answers
             "done ID sent=N queued=N ok=N drop=N arrived=N badlen=N rose=R kernel=K"
             sent: crafted packets; queued: packets tcpfwd judged (the kernel's packets_seen,
             and those its fast path accepted);
             ok / drop: tcpfwd's reason ok and drop verdicts; arrived: crafted frames seen at
             the far end; badlen: arrivals whose length differs from the expected one; rose:
             every other reason counter that rose, "name:+N,...", or "-"; kernel: the fw
             namespace's IP error / reassembly counters that rose, or "-". The row's two
             barrier SYNs are subtracted. Some rows add more: flow=SRC,SPORT,DST,DPORT (22d,
             27b); fcmax, the largest frame that entered fc, and fchdr, its IPv6 payload
             length and next header as LEN/NH (24). "error=WHAT" is added when a step failed.
  quiet      waits until tcpfwd has judged everything queued and nothing moved for 0.5 s
  csum on    starts counting unmarked TCP frames on s0 (the real connections) and how many
             carry a checksum that is not final (CHECKSUM_PARTIAL from the sender's veth)
  csum       answers "done csum checked=N partial=N"
  quit
"""
import argparse
import ctypes
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

from scapy.all import IP, TCP, IPv6, Raw, conf

from inet_sum import csum16

conf.verb = 0

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
CLONE_NEWNET = 0x40000000
MARK = 200  # TTL / hop limit of crafted packets; the fw forwards them with 199
MOD = 1 << 32

# fw-namespace counters a row may move: the kernel's own drops before the FORWARD hook, and
# reassembly. Everything else (forwarding, ICMP it sends) is not judged.
KERNEL_WATCH = (
    "IpInHdrErrors", "IpInAddrErrors", "IpInDiscards", "IpReasmOKs", "IpReasmFails",
    "IpExtInTruncatedPkts", "IpExtInCsumErrors", "IpExtReasmOverlaps",
    "Ip6InHdrErrors", "Ip6InTruncatedPkts", "Ip6InDiscards", "Ip6ReasmOKs", "Ip6ReasmFails",
)

_libc = ctypes.CDLL(None, use_errno=True)


def setns_fd(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), "setns")


def in_netns(path, fn):
    """Runs fn() inside the network namespace at path; sockets it opens stay there."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open(path, os.O_RDONLY)
    try:
        setns_fd(there)
        try:
            return fn()
        finally:
            setns_fd(home)
    finally:
        os.close(there)
        os.close(home)


def raw_socket(iface, receive):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL) if receive else 0)
    s.bind((iface, ETH_P_ALL if receive else 0))
    if receive:
        s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
        s.setblocking(False)
    return s


# ---- checksums and byte edits ----



def fix_ip4_csum(b):
    """b: bytearray IPv4 packet; recomputes the header checksum over IHL*4 bytes."""
    ihl = (b[0] & 0x0F) * 4
    b[10:12] = b"\0\0"
    b[10:12] = struct.pack("!H", ~csum16(bytes(b[:ihl])) & 0xFFFF)
    return b


def tcp_csum(fam, src, dst, seg):
    """The TCP checksum of segment bytes seg (its checksum field zeroed first)."""
    seg = bytearray(seg)
    seg[16:18] = b"\0\0"
    af = socket.AF_INET6 if fam == 6 else socket.AF_INET
    a, b = socket.inet_pton(af, src), socket.inet_pton(af, dst)
    if fam == 6:
        pseudo = a + b + struct.pack("!IxxxB", len(seg), 6)
    else:
        pseudo = a + b + struct.pack("!xBH", 6, len(seg))
    seg[16:18] = struct.pack("!H", ~csum16(pseudo + bytes(seg)) & 0xFFFF)
    return bytes(seg)


# ---- builders ----

def tcp(fam, src, dst, sport, dport, flags="S", seq=0, ack=0, win=8192, opts=(),
        raw_opts=None, payload=b"", urg=0):
    """TCP segment bytes with a valid checksum for src -> dst. opts: scapy option tuples;
    raw_opts: option bytes as they go on the wire (a multiple of 4), however malformed."""
    l3 = IPv6(src=src, dst=dst) if fam == 6 else IP(src=src, dst=dst)
    kw = dict(sport=sport, dport=dport, flags=flags, seq=seq % MOD, ack=ack % MOD, window=win,
              urgptr=urg)
    if raw_opts is not None:
        seg = TCP(dataofs=5 + len(raw_opts) // 4, **kw) / Raw(raw_opts + payload)
    else:
        seg = TCP(options=list(opts), **kw)
        if payload:
            seg = seg / Raw(payload)
    return bytes(l3 / seg)[40 if fam == 6 else 20:]


def set_doff(fam, src, dst, seg, doff):
    seg = bytearray(seg)
    seg[12] = (doff << 4) | (seg[12] & 0x0F)
    return tcp_csum(fam, src, dst, seg)


def ip4(src, dst, tag, payload, proto=6, ttl=MARK, frag=0, opts=b"", tot=None):
    """IPv4 packet; frag is the 16-bit flags/offset field; tot overrides the total length."""
    ihl = 5 + len(opts) // 4
    if tot is None:
        tot = ihl * 4 + len(payload)
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, tag, frag, ttl, proto, 0,
                              socket.inet_aton(src), socket.inet_aton(dst)) + opts)
    return bytes(fix_ip4_csum(h)) + payload


def ip6(src, dst, tag, payload, nh=6, hlim=MARK, plen=None):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB16s16s", (6 << 28) | (tag & 0xFFFFF), plen, nh, hlim,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def ext(nh, size, kind=60):
    """An extension header of `size` bytes (hop-by-hop, routing or destination options):
    next header, length in 8-byte units minus one, then PadN filling the rest (for routing:
    type 0 semantics do not matter here, segments left 0)."""
    assert size % 8 == 0 and 8 <= size <= 2048
    body = bytearray(size - 2)
    if kind == 43:
        body[0:2] = b"\xfd\x00"  # routing type 253 (RFC 4727 experiment), segments left 0
    else:
        body[0] = 1  # PadN
        body[1] = size - 4
    return bytes([nh, size // 8 - 1]) + bytes(body)


def frag6(nh, offset, more, ident):
    return struct.pack("!BBHI", nh, 0, (offset << 3) | (1 if more else 0), ident)


def chain6(headers, final=6):
    """headers: list of (kind, size) for 0/43/60, or (44, offset, more, id): the bytes and
    the first next-header value, each header pointing to the next, the last to final."""
    out = b""
    nxt = final
    for h in reversed(headers):
        if h[0] == 44:
            out = frag6(nxt, h[1], h[2], h[3]) + out
        else:
            out = ext(nxt, h[1], h[0]) + out
        nxt = h[0]
    return nxt, out


class Pkt:
    """One crafted packet: L3 bytes, sending side ('c' or 's'), tag, expected arrival length."""

    def __init__(self, label, fam, side, tag, l3, expect_len="same"):
        self.label, self.fam, self.side, self.tag, self.l3 = label, fam, side, tag, l3
        # length of the frame at the far end; "same": as sent; None: not checked
        self.expect_len = len(l3) + 14 if expect_len == "same" else expect_len


class Net:
    def __init__(self, a):
        self.a = a
        self.C4, self.S4, self.C6, self.S6 = a.addrs.split(",")
        self.fw_mac = {"c": bytes.fromhex(a.fw_mac_c.replace(":", "")),
                       "s": bytes.fromhex(a.fw_mac_s.replace(":", ""))}
        ns = lambda n: os.path.join("/run/netns", n)
        self.tx = {"c": raw_socket("c0", False)}
        self.rx = {"c": raw_socket("c0", True)}
        self.tx["s"] = in_netns(ns(a.ns_server), lambda: raw_socket("s0", False))
        self.rx["s"] = in_netns(ns(a.ns_server), lambda: raw_socket("s0", True))
        self.rx_fc = in_netns(ns(a.ns_fw), lambda: raw_socket("fc", True))
        self.own_mac = {k: s.getsockname()[4] for k, s in self.tx.items()}
        self.lock = threading.Lock()
        self.seen = {"c": [], "s": []}  # side -> [(fam, tag, frame length)] of marked frames
        self.fcmax = 0
        self.fchdr = "-"
        self.csum_on = False
        self.csum_checked = self.csum_partial = 0
        self.next_tag = 1
        self.next_port = 10000
        threading.Thread(target=self.sniff, daemon=True).start()

    # ---- sniffing ----

    def sniff(self):
        socks = {self.rx["c"]: "c", self.rx["s"]: "s", self.rx_fc: "fc"}
        buf = bytearray(1 << 19)
        while True:
            ready, _, _ = select.select(list(socks), [], [])
            for s in ready:
                while True:
                    try:
                        n, addr = s.recvfrom_into(buf)
                    except BlockingIOError:
                        break
                    if addr[2] == PACKET_OUTGOING or n < 14:
                        continue
                    try:
                        self.frame(socks[s], memoryview(buf)[:n])
                    except (IndexError, struct.error) as e:  # never let a frame stop us
                        print("sniffer: frame of %d bytes on %s: %s" % (n, socks[s], e),
                              file=sys.stderr, flush=True)

    def frame(self, where, d):
        n = len(d)
        if where == "fc":
            if n > self.fcmax:
                self.fcmax = n
                if n >= 54 and d[12:14] == b"\x86\xdd":
                    # the IPv6 payload length and next header of the largest frame
                    self.fchdr = "%d/%d" % (struct.unpack_from("!H", d, 18)[0], d[20])
            return
        et = struct.unpack_from("!H", d, 12)[0]
        tag = None
        if et == ETH_P_IP and n >= 34 and d[22] == MARK - 1:
            tag = (4, struct.unpack_from("!H", d, 18)[0])
        elif et == ETH_P_IPV6 and n >= 54 and d[21] == MARK - 1:
            tag = (6, struct.unpack_from("!I", d, 14)[0] & 0xFFFFF)
        if tag:
            with self.lock:
                self.seen[where].append((tag[0], tag[1], n))
            return
        if where == "s" and self.csum_on and et == ETH_P_IP and 54 <= n < 2000 and d[23] == 6:
            ip = bytes(d[14:])
            ihl = (ip[0] & 0x0F) * 4
            seg = ip[ihl:struct.unpack_from("!H", ip, 2)[0]]
            pseudo = ip[12:20] + struct.pack("!xBH", 6, len(seg))
            with self.lock:
                self.csum_checked += 1
                self.csum_partial += csum16(pseudo + seg) != 0xFFFF

    def arrivals(self, side, start):
        with self.lock:
            return list(self.seen[side][start:])

    def marks(self):
        with self.lock:
            return {k: len(v) for k, v in self.seen.items()}

    def wait_arrival(self, pkt, start, timeout=5.0):
        far = "s" if pkt.side == "c" else "c"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(f == pkt.fam and t == pkt.tag for f, t, _ in self.arrivals(far, start[far])):
                return True
            time.sleep(0.002)
        return False

    # ---- sending ----

    def send(self, pkts):
        for p in pkts:
            et = ETH_P_IPV6 if p.fam == 6 else ETH_P_IP
            frame = self.fw_mac[p.side] + self.own_mac[p.side] + struct.pack("!H", et) + p.l3
            self.tx[p.side].send(frame)

    # ---- identities ----

    def tag(self):
        t = self.next_tag
        self.next_tag = self.next_tag % 0xFFFF + 1
        return t

    def port(self):
        self.next_port += 1
        return self.next_port

    def ends(self, fam, side):
        c, s = (self.C6, self.S6) if fam == 6 else (self.C4, self.S4)
        return (c, s) if side == "c" else (s, c)

    # ---- tcpfwd and kernel counters ----

    def stats(self):
        """tcpfwctl -j stats; retried for a while, since build/ may be rebuilt under us."""
        deadline = time.monotonic() + 10
        while True:
            try:
                out = subprocess.run([self.a.tcpfwctl, "--socket", self.a.socket, "-j", "stats"],
                                     capture_output=True, text=True, timeout=10)
                if out.returncode == 0:
                    return json.loads(out.stdout)
                why = out.stderr.strip()
            except OSError as e:
                why = str(e)
            if time.monotonic() > deadline:
                raise RuntimeError("tcpfwctl stats: " + why)
            time.sleep(0.2)

    def settled(self, timeout=10.0):
        """Stats once tcpfwd has judged every packet the kernel queued."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.stats()
            seen = sum(q["packets_seen"] for q in st["queues"])
            if st["verdicts"]["accept"] + st["verdicts"]["drop"] == seen:
                return st
            if time.monotonic() > deadline:
                raise RuntimeError("tcpfwd never caught up with its queue")
            time.sleep(0.005)

    def kernel(self):
        d = {}
        base = "/proc/%s/net/" % self.a.tcpfwd_pid
        for f in ("snmp", "netstat"):
            with open(base + f) as fh:
                lines = fh.read().splitlines()
            for head, vals in zip(lines[0::2], lines[1::2]):
                pre, names = head.split(":", 1)
                for k, v in zip(names.split(), vals.split(":", 1)[1].split()):
                    d[pre + k] = int(v)
        with open(base + "snmp6") as fh:
            for line in fh:
                k, v = line.split()
                d[k] = int(v)
        return {k: d.get(k, 0) for k in KERNEL_WATCH}


class Row:
    """What one row sent, in order, with the barriers and the measurements around it."""

    def __init__(self, net):
        self.net = net
        self.sent = []
        self.errors = []
        self.extra = {}  # more key=value for the answer line
        self.start = net.marks()

    def pkt(self, label, fam, side, l3_fn, expect_len="same"):
        """l3_fn(tag, src, dst) -> L3 bytes."""
        tag = self.net.tag()
        src, dst = self.net.ends(fam, side)
        return Pkt(label, fam, side, tag, l3_fn(tag, src, dst), expect_len)

    def seg(self, label, fam, side="c", sport=None, dport=80, flags="S", seq=1000, ack=0,
            win=8192, opts=(), raw_opts=None, payload=b"", urg=0, doff=None, csum_ok=True):
        """An ordinary TCP segment in IPv4 or IPv6 (sport: a fresh port unless given)."""
        sport = self.net.port() if sport is None else sport

        def build(tag, src, dst):
            t = tcp(fam, src, dst, sport, dport, flags, seq, ack, win, opts, raw_opts, payload,
                    urg)
            if doff is not None:
                t = set_doff(fam, src, dst, t, doff)
            if not csum_ok:
                t = t[:16] + struct.pack("!H", struct.unpack_from("!H", t, 16)[0] ^ 0x5555) + t[18:]
            return ip6(src, dst, tag, t) if fam == 6 else ip4(src, dst, tag, t)

        return self.pkt(label, fam, side, build)

    def send(self, pkts, sync=False):
        """Sends pkts (one side at a time). sync: wait for the last one at the far end, so
        that what follows from the other side is judged after it."""
        if isinstance(pkts, Pkt):
            pkts = [pkts]
        self.sent.extend(pkts)
        self.net.send(pkts)
        if sync and not self.net.wait_arrival(pkts[-1], self.start):
            self.errors.append("sync-lost:" + pkts[-1].label)

    def barrier(self):
        """A valid SYN each way; once both arrived, the queue has judged all sent before."""
        bs = [self.seg("barrier-c", 4, "c", dport=9), self.seg("barrier-s", 4, "s", dport=9)]
        for b in bs:
            self.net.send([b])
        for b in bs:
            if not self.net.wait_arrival(b, self.start):
                self.errors.append("barrier-lost:" + b.label)
        return len(bs)

    def result(self):
        tags = {}
        for p in self.sent:  # fragments of one datagram share a tag: the first names them
            tags.setdefault((p.fam, p.tag), p)
        arrived = badlen = 0
        got = []
        for side in ("c", "s"):
            for fam, tag, n in self.net.arrivals(side, self.start[side]):
                p = tags.get((fam, tag))
                if p is None or p.side == side:
                    continue
                arrived += 1
                got.append(p.label)
                if p.expect_len is not None and n != p.expect_len:
                    badlen += 1
                    got[-1] += "(len %d, expected %d)" % (n, p.expect_len)
        return arrived, badlen, got


class Flow:
    """A connection whose two ends are both crafted: the client's segments leave c0, the
    server's s0, so every sequence number is chosen by the row. Both kernels drop the marked
    segments on arrival, so neither answers."""

    def __init__(self, r, fam=4, ci=1000, si=5000, cwin=1000, swin=1000):
        self.r, self.fam, self.ci, self.si, self.cwin, self.swin = r, fam, ci, si, cwin, swin
        self.cport = r.net.port()
        self.sport = 80

    def c(self, label, flags="A", seq=0, ack=0, length=0, win=None, **kw):
        """Client segment at ISN+1+seq acknowledging the server's ISN+1+ack."""
        return self.r.seg(label, self.fam, "c", self.cport, self.sport, flags, self.ci + 1 + seq,
                          self.si + 1 + ack, self.cwin if win is None else win,
                          payload=b"c" * length, **kw)

    def s(self, label, flags="A", seq=0, ack=0, length=0, win=None, **kw):
        return self.r.seg(label, self.fam, "s", self.sport, self.cport, flags, self.si + 1 + seq,
                          self.ci + 1 + ack, self.swin if win is None else win,
                          payload=b"s" * length, **kw)

    def handshake(self, copts=(), sopts=(), swin=None):
        """SYN, SYN/ACK, ACK: three segments tcpfwd accepts (ESTABLISHED)."""
        r = self.r
        r.send(r.seg("syn", self.fam, "c", self.cport, self.sport, "S", self.ci, 0, self.cwin,
                     opts=copts), sync=True)
        r.send(r.seg("synack", self.fam, "s", self.sport, self.cport, "SA", self.si, self.ci + 1,
                     self.swin if swin is None else swin, opts=sopts), sync=True)
        r.send(self.c("ack"), sync=True)


# ---- the rows ----
# Each function sends one row's packets; test_malformed.sh holds the expected outcome of each.

def both(r, label, **kw):
    """The same segment in IPv4 and in IPv6, each on a fresh port."""
    return [r.seg(label + "-v4", 4, **kw), r.seg(label + "-v6", 6, **kw)]


def r_syn(fam, tag, src, dst, sport=4242, payload=b""):
    """A plain SYN, IPv4 or IPv6, to edit (the kernel drops most of these before tcpfwd)."""
    t = tcp(fam, src, dst, sport, 80, "S", 1000, payload=payload)
    return ip6(src, dst, tag, t) if fam == 6 else ip4(src, dst, tag, t)


def v4_edit(fn):
    """An IPv4 SYN with fn(bytearray) applied, header checksum fixed after."""
    def build(t, s, d):
        b = bytearray(r_syn(4, t, s, d))
        fn(b)
        return bytes(fix_ip4_csum(b))
    return build


def row_1(r):
    # buffers shorter than the fixed header: 10 IPv4 bytes, 30 IPv6 bytes
    r.send(r.pkt("short-v4", 4, "c", lambda t, s, d: ip4(s, d, t, b"")[:10]))
    r.send(r.pkt("short-v6", 6, "c", lambda t, s, d: ip6(s, d, t, b"")[:30]))


def row_2(r):
    def version(v, fam):
        def build(t, s, d):
            b = bytearray(r_syn(fam, t, s, d))
            b[0] = (v << 4) | (b[0] & 0x0F)
            return bytes(fix_ip4_csum(b)) if fam == 4 else bytes(b)
        return build
    for v in (0, 5, 6, 15):
        r.send(r.pkt("v4-version-%d" % v, 4, "c", version(v, 4)))
    for v in (4, 0):
        r.send(r.pkt("v6-version-%d" % v, 6, "c", version(v, 6)))


def row_3(r):
    for ihl in range(5):
        r.send(r.pkt("ihl-%d" % ihl, 4, "c", v4_edit(lambda b, i=ihl: b.__setitem__(0, 0x40 | i))))


def row_4(r):
    # IHL 15 (60 bytes) on a 40-byte packet; IHL 6 on a 20-byte buffer
    r.send(r.pkt("ihl-15-in-40", 4, "c", v4_edit(lambda b: b.__setitem__(0, 0x4F))))

    def ihl6_short(t, s, d):
        b = bytearray(ip4(s, d, t, b""))
        b[0] = 0x46
        return bytes(fix_ip4_csum(b))[:20]
    r.send(r.pkt("ihl-6-in-20", 4, "c", ihl6_short))


def row_5(r):
    for tot in (0, 10, 19):
        r.send(r.pkt("tot-%d" % tot, 4, "c",
                     v4_edit(lambda b, n=tot: b.__setitem__(slice(2, 4), struct.pack("!H", n)))))


def row_6(r):
    r.send(r.pkt("tot-past-buffer-v4", 4, "c",
                 v4_edit(lambda b: b.__setitem__(slice(2, 4), struct.pack("!H", len(b) + 10)))))

    def plen_long(t, s, d):
        b = bytearray(r_syn(6, t, s, d))
        b[4:6] = struct.pack("!H", len(b) - 40 + 10)
        return bytes(b)
    r.send(r.pkt("plen-past-buffer-v6", 6, "c", plen_long))


def row_7(r):
    # 20 bytes of trailing garbage after the IP length: trimmed, then judged and forwarded
    r.send(r.pkt("trailer-v4", 4, "c", lambda t, s, d: r_syn(4, t, s, d) + b"\xee" * 20,
                 expect_len=14 + 40))
    r.send(r.pkt("trailer-v6", 6, "c", lambda t, s, d: r_syn(6, t, s, d) + b"\xee" * 20,
                 expect_len=14 + 60))


def opt_syn(opts, sport):
    def build(t, s, d):
        seg = tcp(4, s, d, sport, 80, "S", 1000)
        return ip4(s, d, t, seg, opts=opts)
    return build


def row_8a(r):
    # IHL 6..15: NOPs then EOL, 4..40 bytes of options
    for ihl in range(6, 16):
        n = (ihl - 5) * 4
        r.send(r.pkt("ihl-%d-nops" % ihl, 4, "c", opt_syn(b"\x01" * (n - 1) + b"\x00",
                                                           r.net.port())))


def row_8b(r):
    # timestamp option (RFC 791), flag 0, room for 2 timestamps: the fw writes one
    ts = bytes([68, 12, 5, 0]) + bytes(8)
    r.send(r.pkt("timestamp", 4, "c", opt_syn(ts, r.net.port())))


def lsrr(r):
    # loose source route through one (unreachable) hop, pointer at it, padded with EOL
    opt = bytes([131, 7, 4]) + socket.inet_aton("203.0.113.9") + b"\x00"
    return r.pkt("lsrr", 4, "c", opt_syn(opt, r.net.port()))


def row_8c(r):
    r.send(lsrr(r))


def row_8d(r):
    r.send(lsrr(r))


def row_8e(r):
    # record route whose length runs past the header
    r.send(r.pkt("rr-bad-length", 4, "c", opt_syn(bytes([7, 0xFF, 4, 0, 0, 0, 0, 0]),
                                                  r.net.port())))


def syn_bytes(fam, sport, doff=None, payload=b""):
    def f(s, d):
        t = tcp(fam, s, d, sport, 80, "S", 1000, payload=payload)
        return set_doff(fam, s, d, t, doff) if doff else t
    return f


def frag_pkt(r, label, fam, off8, more, data_fn):
    """A fragment: IPv4 with MF and offset (8-byte units), or IPv6 with a fragment header;
    the fragment ID is the tag. data_fn(src, dst) -> the fragment's data."""
    def build(t, s, d):
        data = data_fn(s, d)
        if fam == 4:
            return ip4(s, d, t, data, frag=(0x2000 if more else 0) | off8)
        return ip6(s, d, t, frag6(6, off8, more, t) + data, nh=44)
    return r.pkt(label, fam, "c", build)


def row_9(r):
    # first fragment (MF, offset 0): base TCP header complete, but doff 10 promises options
    # the fragment does not carry
    for fam in (4, 6):
        r.send(frag_pkt(r, "first-frag-cut-options-v%d" % fam, fam, 0, True,
                        lambda s, d, f=fam, p=r.net.port(): syn_bytes(f, p, doff=10)(s, d)[:20]))


def row_10(r):
    for fam in (4, 6):
        r.send(frag_pkt(r, "frag-off1-mf-v%d" % fam, fam, 1, True, lambda s, d: b"\x11" * 16))
        r.send(frag_pkt(r, "frag-last-v%d" % fam, fam, 185, False, lambda s, d: b"\x22" * 8))


def row_11a(r):
    # tiny first fragment (RFC 1858): 8 TCP bytes, ports and sequence number only
    for fam in (4, 6):
        r.send(frag_pkt(r, "tiny-first-v%d" % fam, fam, 0, True,
                        lambda s, d, f=fam, p=r.net.port(): syn_bytes(f, p)(s, d)[:8]))


def row_11b(r):
    # first fragment carrying the whole TCP header (and 4 bytes of data): trackable
    for fam in (4, 6):
        data = syn_bytes(fam, r.net.port(), payload=b"abcd")
        r.send(frag_pkt(r, "whole-header-first-v%d" % fam, fam, 0, True, data))


def frag_set(r, fam, sport, label, parts):
    """Fragments of one datagram (a SYN with 12 bytes of data: 32 TCP bytes), all with the
    same ID. parts: list of (offset8, more, start, end) slices of the TCP bytes."""
    ident = r.net.tag()
    syn = syn_bytes(fam, sport, payload=b"0123456789ab")
    out = []
    for i, (off8, more, a, b) in enumerate(parts):
        def build(t, s, d, off8=off8, more=more, a=a, b=b):
            data = syn(s, d)[a:b]
            if fam == 4:
                return ip4(s, d, ident, data, frag=(0x2000 if more else 0) | off8)
            return ip6(s, d, ident, frag6(6, off8, more, ident) + data, nh=44)
        p = r.pkt("%s-%d" % (label, i), fam, "c", build, expect_len=None)
        p.tag = ident & (0xFFFF if fam == 4 else 0xFFFFF)
        out.append(p)
    return out


def row_12a(r):
    # no reassembly in this namespace: each fragment is queued as it is. First fragment
    # (24 bytes: whole TCP header), its duplicate, an overlapping one (offset 16), the last.
    r.send(frag_set(r, 4, r.net.port(), "raw",
                    [(0, True, 0, 24), (0, True, 0, 24), (2, True, 16, 32), (3, False, 24, 32)]))


def row_12b(r):
    # with nf_defrag in the fw namespace: a datagram with a duplicate fragment is
    # reassembled once; one with overlapping fragments is discarded whole
    r.send(frag_set(r, 4, r.net.port(), "dup", [(0, True, 0, 24), (0, True, 0, 24),
                                                 (3, False, 24, 32)]))
    r.send(frag_set(r, 4, r.net.port(), "overlap", [(0, True, 0, 24), (2, False, 16, 32)]))


def row_12c(r):
    # with nf_defrag: an IPv6 datagram in two fragments, reassembled before the hook
    r.send(frag_set(r, 6, r.net.port(), "v6", [(0, True, 0, 24), (3, False, 24, 32)]))


def chain_syn(r, label, headers):
    """An IPv6 SYN behind the extension headers of chain6(headers)."""
    def build(t, s, d, sport=r.net.port()):
        nh, chain = chain6(headers)
        return ip6(s, d, t, chain + tcp(6, s, d, sport, 80, "S", 1000), nh=nh)
    return r.pkt(label, 6, "c", build)


def row_13(r):
    # HBH -> DST -> ROUTING -> FRAG -> TCP, with an atomic fragment (M=0) and a first
    # fragment carrying the whole header (M=1)
    for more in (False, True):
        r.send(chain_syn(r, "hbh-dst-rt-frag-m%d" % more,
                         [(0, 8), (60, 16), (43, 24), (44, 0, more, r.net.tag())]))


def row_14a(r):
    # a destination options header claiming 1608 bytes in a 68-byte packet, then TCP
    def build(t, s, d, sport=r.net.port()):
        hdr = bytearray(ext(6, 8))
        hdr[1] = 200
        payload = bytes(hdr) + tcp(6, s, d, sport, 80, "S", 1000)
        return ip6(s, d, t, payload, nh=60)
    r.send(r.pkt("dst-past-buffer", 6, "c", build))

    # the IPv6 payload length ends inside a 16-byte destination header (rest is padding)
    def cut(t, s, d, sport=r.net.port()):
        payload = ext(6, 16) + tcp(6, s, d, sport, 80, "S", 1000)
        return ip6(s, d, t, payload, nh=60, plen=8)
    r.send(r.pkt("plen-ends-in-chain", 6, "c", cut, expect_len=14 + 48))


def row_14b(r):
    # the second header of the chain lies past the buffer and is not TCP's: the kernel
    # cannot find the transport header, so `meta l4proto tcp` does not match
    def build(t, s, d, sport=r.net.port()):
        hdr = bytearray(ext(60, 8))
        hdr[1] = 255
        payload = ext(60, 8) + bytes(hdr) + tcp(6, s, d, sport, 80, "S", 1000)
        return ip6(s, d, t, payload, nh=60)
    r.send(r.pkt("second-dst-past-buffer", 6, "c", build))


def row_15a(r):
    r.send(chain_syn(r, "dst-x9", [(60, 8)] * 9))
    r.send(chain_syn(r, "dst-x100", [(60, 8)] * 100))


def row_15b(r):
    r.send(chain_syn(r, "dst-x8", [(60, 8)] * 8))


def row_16(r):
    for nh in (253, 59):
        r.send(r.pkt("nh-%d" % nh, 6, "c", lambda t, s, d, nh=nh: ip6(s, d, t, b"\0" * 20,
                                                                     nh=nh)))
        r.send(r.pkt("dst-then-nh-%d" % nh, 6, "c",
                     lambda t, s, d, nh=nh: ip6(s, d, t, ext(nh, 8) + b"\0" * 20, nh=60)))


def row_17a(r):
    # payload length 0 without a jumbo option: a SYN follows in the buffer
    def build(t, s, d, sport=r.net.port()):
        return ip6(s, d, t, tcp(6, s, d, sport, 80, "S", 1000), plen=0)
    r.send(r.pkt("plen-0-no-hbh", 6, "c", build, expect_len=14 + 40))


def jumbo(r, label, value):
    def build(t, s, d, sport=r.net.port()):
        hbh = bytes([6, 0, 0xC2, 4]) + struct.pack("!I", value)  # RFC 2675 option
        return ip6(s, d, t, hbh + tcp(6, s, d, sport, 80, "S", 1000), nh=0, plen=0)
    return r.pkt(label, 6, "c", build)


def row_17b(r):
    r.send(jumbo(r, "jumbo-100", 100))


def row_17c(r):
    r.send(jumbo(r, "jumbo-70000", 70000))


def row_18(r):
    for fam in (4, 6):
        for doff in range(5):
            r.send(r.seg("doff-%d-v%d" % (doff, fam), fam, doff=doff))


def row_19(r):
    for fam in (4, 6):
        r.send(r.seg("doff-15-of-20-v%d" % fam, fam, doff=15))
        r.send(r.seg("doff-6-of-20-v%d" % fam, fam, doff=6))


OPTION_CASES = (
    ("eol-in-middle", b"\x02\x04\x05\xb4\x00\x03\x03\x07"),
    ("nop-run", b"\x01" * 39 + b"\x00"),
    ("kind-no-length", b"\x01\x01\x01\x03"),
    ("length-0", b"\x08\x00\x00\x00\x00\x00\x00\x00"),
    ("length-1", b"\x08\x01\x00\x00\x00\x00\x00\x00"),
    ("length-past-header", b"\x08\x28" + b"\x00" * 10),
    ("wscale-15", b"\x01\x03\x03\x0f"),
    ("wscale-255", b"\x01\x03\x03\xff"),
    ("wscale-twice", b"\x03\x03\x02\x03\x03\x0e\x01\x01"),
    ("sack-bad-count", b"\x05\x0e" + b"\x00" * 12 + b"\x01\x01"),
    ("ts-wrong-length", b"\x08\x08" + b"\x00" * 6),
)


def row_20a(r):
    for name, raw in OPTION_CASES:
        for fam in (4, 6):
            r.send(r.seg("%s-v%d" % (name, fam), fam, raw_opts=raw))


def row_20b(r):
    # window scale 15, 255 and (15 then 2) in the SYN/ACK. After a window of 2 from the
    # server, a client segment 40000 bytes ahead is past the window 2 << 14 = 32768 but
    # within one more window: seq_overshoot, where a shift of 15 (65536) would make it ok.
    # With 15 then 2 the last option counts: the window is 8 and the same segment is
    # seq_over_window.
    for sopt in (b"\x03\x03\x0f\x00", b"\x03\x03\xff\x00", b"\x03\x03\x0f\x01\x03\x03\x02\x00"):
        f = Flow(r, 4, swin=100)
        r.send(r.seg("syn", 4, "c", f.cport, f.sport, "S", f.ci, 0, f.cwin,
                     opts=[("WScale", 0)]), sync=True)
        r.send(r.seg("synack", 4, "s", f.sport, f.cport, "SA", f.si, f.ci + 1, 100,
                     raw_opts=sopt), sync=True)
        r.send(f.c("ack"), sync=True)
        r.send(f.s("ack-win-2", win=2), sync=True)
        r.send(f.c("data-40000-ahead", "PA", seq=40000, length=10))


def row_21a(r):
    # every flag byte as the first segment of a new flow
    r.send([r.seg("flags-0x%02x" % f, 4, flags=f, seq=1000, ack=5000 if f & 0x10 else 0)
            for f in range(256)])


def row_21b(r):
    # every flag byte into an established flow, at the client's next sequence number and
    # acknowledging all the server sent; order: the invalid ones, ACK class, SYN class,
    # SYN/ACK, RST (10 bytes inside the window: inexact) and FIN last, since it closes
    f = Flow(r, 4)
    f.handshake()

    def cls(b):
        if not valid_flags(b):
            return 0
        if b & 0x04:
            return 4
        if b & 0x02:
            return 3 if b & 0x10 else 2
        if b & 0x01:
            return 5
        return 1
    order = sorted(range(256), key=lambda b: (cls(b), b))
    r.send([f.c("flags-0x%02x" % b, flags=b, seq=10 if b & 0x04 else 0) for b in order])


def valid_flags(b):
    """conntrack's tcp_valid_flags after masking PSH, ECE and CWR."""
    return (b & 0x37) in (0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10, 0x30)


def row_22a(r):
    r.send(both(r, "bad-tcp-csum", csum_ok=False))


def row_22b(r):
    def bad(t, s, d):
        b = bytearray(r_syn(4, t, s, d))
        b[10] ^= 0x5A
        return bytes(b)
    r.send(r.pkt("bad-ip-csum", 4, "c", bad))


def row_22d(r):
    # an RST from the server exactly at the client's RCV.NXT, with a wrong checksum: the
    # client's stack would discard it, so the connection lives on (tcpfwd drops it: no sync)
    f = Flow(r, 4)
    f.handshake()
    r.send(f.s("rst-bad-csum", "R", csum_ok=False))
    r.extra["flow"] = "%s,%d,%s,%d" % (r.net.C4, f.cport, r.net.S4, f.sport)


def row_23a(r):
    r.send(both(r, "syn-1000-bytes", payload=b"p" * 1000))


def row_23b(r):
    # IPv6 + 64-byte destination header + TCP with 40 option bytes: 164 header bytes
    def build(t, s, d, sport=r.net.port()):
        seg = tcp(6, s, d, sport, 80, "S", 1000, raw_opts=b"\x01" * 39 + b"\x00")
        return ip6(s, d, t, ext(6, 64) + seg, nh=60)
    r.send(r.pkt("dst64-opts40", 6, "c", build))


def row_23c(r):
    r.send(r.seg("opts40-no-chain", 6, raw_opts=b"\x01" * 39 + b"\x00"))


def row_23d(r):
    r.send(chain_syn(r, "dst-104", [(60, 104)]))


def row_23e(r):
    # the server's window is 200: a segment starting one byte past the right edge passes as
    # a small overshoot with 100 bytes (end 101 past the edge <= one window) and is
    # seq_over_window with 1000 (1001 > 200); tcpfwd sees 128 bytes of either
    for fam in (4, 6):
        f = Flow(r, fam, swin=200)
        f.handshake()
        r.send(f.c("1000-past-edge", "PA", seq=201, length=1000))
        r.send(f.c("100-past-edge", "PA", seq=201, length=100))


def row_25(r):
    for fam in (4, 6):
        r.send(r.seg("sport-0-v%d" % fam, fam, sport=0, dport=80))
        r.send(r.seg("dport-0-v%d" % fam, fam, dport=0))


def row_26(r):
    # both ISNs just below 2^32: data and ACKs both ways across the wrap, then an ACK of data
    # never sent, data 1 GiB ahead (both dropped) and data 100000 bytes behind (passes)
    f = Flow(r, 4, ci=0xFFFFFF00, si=0xFFFFFFF0, cwin=8192, swin=8192)
    f.handshake()
    r.send(f.c("data-512-across", "PA", length=512), sync=True)
    r.send(f.s("ack-across", ack=512), sync=True)
    r.send(f.s("data-64-across", "PA", ack=512, length=64), sync=True)
    r.send(f.c("ack-of-64", seq=512, ack=64), sync=True)
    r.send(f.c("ack-never-sent", seq=512, ack=64 + 100000))
    r.send(f.c("data-1g-ahead", "PA", seq=512 + (1 << 30), ack=64, length=10))
    r.send(f.s("data-100000-behind", "PA", seq=64 - 100000, ack=512, length=10))


def row_27a(r):
    r.send(both(r, "syn-win-0", win=0))


def row_27b(r):
    # the server's SYN/ACK closes the window: a one-byte probe passes, data far past the
    # closed window is dropped; then the server acks the probe, still with window 0
    f = Flow(r, 4)
    f.handshake(swin=0)
    r.send(f.c("zero-window-probe", "PA", length=1), sync=True)
    r.send(f.c("data-past-closed-window", "PA", seq=5000, length=100))
    r.send(f.s("ack-probe-win-0", ack=1, win=0), sync=True)
    r.extra["flow"] = "%s,%d,%s,%d" % (r.net.C4, f.cport, r.net.S4, f.sport)


def row_28a(r):
    r.send(both(r, "syn-urgptr", urg=0xFFFF))


def row_28b(r):
    f = Flow(r, 4)
    f.handshake()
    r.send(f.c("ack-urgptr-no-urg", urg=500))
    r.send(f.c("urg-past-payload", "PAU", length=10, urg=5000))


def row_24(r):
    """A bulk IPv6 transfer (BIG TCP is set up by the test) to the server's eof port."""
    net = r.net
    net.fcmax, net.fchdr = 0, "-"
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(20)
    data = b"b" * (4 << 20)
    try:
        s.connect((net.S6, net.a.bulk_port))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except OSError as e:
        r.errors.append("bulk:%s" % e)
    finally:
        s.close()
    r.extra["fcmax"] = net.fcmax
    r.extra["fchdr"] = net.fchdr


ROWS = {name[4:]: fn for name, fn in globals().items() if name.startswith("row_")}


def run_row(net, name):
    t0 = time.monotonic()
    r = Row(net)
    before = net.settled()
    kbefore = net.kernel()
    try:
        ROWS[name](r)
    except Exception as e:  # a broken row must not kill the process: report it
        r.errors.append("exception:%s" % e)
    barriers = r.barrier()
    after = net.settled()
    kafter = net.kernel()
    arrived, badlen, got = r.result()

    def d(*path):
        a, b = before, after
        for k in path:
            a, b = a[k], b[k]
        return b - a
    # with the fast path on, tcpfwd judged what the program accepted in the kernel too
    fast = d("fastpath", "accepted") if after.get("fastpath", {}).get("enabled") else 0
    queued = sum(q["packets_seen"] for q in after["queues"]) - sum(
        q["packets_seen"] for q in before["queues"]) - barriers + fast
    rose = ",".join("%s:+%d" % (k, after["reasons"][k] - before["reasons"].get(k, 0))
                    for k in sorted(after["reasons"])
                    if k != "ok" and after["reasons"][k] != before["reasons"].get(k, 0)) or "-"
    kern = ",".join("%s:+%d" % (k, kafter[k] - kbefore[k]) for k in KERNEL_WATCH
                    if kafter[k] != kbefore[k]) or "-"
    line = "done %s sent=%d queued=%d ok=%d drop=%d arrived=%d badlen=%d rose=%s kernel=%s" % (
        name, len(r.sent), queued, d("reasons", "ok") + fast - barriers, d("verdicts", "drop"),
        arrived,
        badlen, rose, kern)
    line += "".join(" %s=%s" % kv for kv in r.extra.items())
    if r.errors:
        line += " error=" + ",".join(e.replace(" ", "_") for e in r.errors)
    print("row %s (%.0f ms): sent %s; arrived %s" % (
        name, (time.monotonic() - t0) * 1000, " ".join(p.label for p in r.sent) or "-",
        " ".join(got) or "-"), file=sys.stderr, flush=True)
    return line


def quiet(net):
    last, since = None, time.monotonic()
    deadline = since + 15
    while time.monotonic() < deadline:
        st = net.settled()
        seen = sum(q["packets_seen"] for q in st["queues"])
        if seen != last:
            last, since = seen, time.monotonic()
        elif time.monotonic() - since >= 0.5:
            return "done quiet packets=%d" % seen
        time.sleep(0.05)
    return "done quiet error=never-quiet"


def serve(a):
    net = Net(a)
    cmd = open(a.cmd, "r")
    resp = open(a.resp, "w")
    print("ready", file=resp, flush=True)
    for line in cmd:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "row" and len(words) == 2 and words[1] in ROWS:
                out = run_row(net, words[1])
            elif words == ["quiet"]:
                out = quiet(net)
            elif words == ["csum", "on"]:
                with net.lock:
                    net.csum_on, net.csum_checked, net.csum_partial = True, 0, 0
                out = "done csum on"
            elif words == ["csum"]:
                with net.lock:
                    out = "done csum checked=%d partial=%d" % (net.csum_checked,
                                                               net.csum_partial)
            elif words == ["quit"]:
                print("done quit", file=resp, flush=True)
                return 0
            else:
                out = "done %s error=unknown-command" % words[0]
        except Exception as e:
            out = "done %s error=exception:%s" % (words[0], str(e).replace(" ", "_"))
        print(out, file=resp, flush=True)
    return 0


def main(argv):
    if len(argv) < 2 or argv[1] != "serve":
        sys.exit(__doc__)
    p = argparse.ArgumentParser(prog="malformed.py serve")
    for opt in ("cmd", "resp", "fw-mac-c", "fw-mac-s", "ns-server", "ns-fw", "tcpfwctl",
                "socket", "tcpfwd-pid", "addrs"):
        p.add_argument("--" + opt, required=True)
    p.add_argument("--bulk-port", type=int, default=0)
    return serve(p.parse_args(argv[2:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
