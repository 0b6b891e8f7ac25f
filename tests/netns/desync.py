#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bogus segments injected into live connections, for test_desync.sh.

One long-running process, started in the client namespace. At start it enters the server
namespace (setns) just long enough to open raw AF_PACKET sockets on s0, and opens the same on
c0, so it can watch both endpoints and send from either end of the path:

  from the client  c0 -> fw (fc) -> FORWARD -> fw (fs) -> server, to fw's fc MAC
  from the server  s0 -> fw (fs) -> FORWARD -> fw (fc) -> client, to fw's fs MAC

The sniffers learn each connection from the segments its endpoints send (TTL / hop limit 64):
every side's ISN, next sequence number, last ACK, window, window scale and latest TSval. An
injected segment is built from those numbers at the moment it is sent, carries TTL 200 (or 2,
see LOW_TTL) and a tag (its IPv4 ID or IPv6 flow label), and counts as having crossed the
firewall when the far end's sniffer sees that tag. After each injected group comes a barrier
from the same side, a SYN to the mode's barrier port, which the far end drops: once it
arrived, the firewall has judged what was sent before it.

Modes, chosen by the test with the server port: "none" (nothing filters), "conntrack"
(ct state invalid drop) and "tcpfwd" (the queue). For tcpfwd, injections are serialised and
measured: tcpfwctl stats and the flow's state just before, and again after the barrier.

usage:
  desync.py serve --cmd FIFO --out FILE --ns-server NAME --fw-mac-c MAC --fw-mac-s MAC
                  --tcpfwctl PATH --socket PATH --log TCPFWD_LOG --addrs C4,S4,C6,S6
                  --barrier none=P,conntrack=P,tcpfwd=P
  desync.py classes
      the classes (CLASSES) on one line
  desync.py strategies
      one line per evasion strategy, tab-separated: NAME COUNTED PASSED SOURCE WHAT (COUNTED:
      yes when tcpfwd must count it, sum when it must if the queue copies it whole, else no;
      PASSED: yes when tcpfwd must pass it, else -)

commands (one a line on FIFO), answers appended to FILE:
  inject ID MODE CLASS DIR FAM CLI CPORT SRV SPORT SIDE BYTES
      a class of CLASSES into the live connection CLI:CPORT -> SRV:SPORT (CPORT may be
      @LOGFILE, whose first line is "port N"), from the client (DIR cs) or the server (sc),
      once SIDE (c or s) sent BYTES bytes. Answer: "inj ID mode=MODE arrived=A quiet=0|1
      at=BYTES [T] age=MS flags=0xNNN seq=N ack=N", or "inj ID mode=MODE error=WHY"; A: per
      injected segment, 1 when it crossed the firewall, else 0; quiet, at, age: see
      wait_quiet, the bytes SIDE had sent, ms since the connection's last data
  strategy ID MODE NAME FAM CLI SRV SPORT LPORT
      an echo session of this process's own, from CLI:LPORT to the echo server SRV:SPORT, with
      strategy NAME applied. Answer: "strat ID mode=MODE name=NAME survived=yes|no arrived=A
      [T] note=WHY" (why the session died)
  T, for tcpfwd only: len=N (the longest injected IP packet) st0=STATE st1=STATE (the flow
      before and after) rose=R (reasons tcpfwd passes segments for that rose) injdrop=R (what
      the log says the injected segments were dropped for) owndrop=R (the connection's other
      segments dropped meanwhile) noise=R (other flows' drops meanwhile); R: name:+N,... or -
  done      waits for every case started so far, answers "done"
  analyse LOG
      reads tcpfwd's log (log_invalid): for each tcpfwd case, "own ID n=N reasons=R", the drops
      of the connection's own segments (all but the injected ones)
  quit
"""
import argparse
import ctypes
import json
import os
import random
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from contextlib import nullcontext

from inet_sum import csum16

IP = TCP = IPv6 = Raw = None  # scapy, imported by serve only (it takes a second)

MOD = 1 << 32
KERNEL_TTL = 64  # the endpoints' own segments
MARK = 200  # injected segments: 199 after the one hop through fw
# "Expires after the firewall": fw forwards it with 1, and the far end's prerouting rule drops
# TTL / hop limit 1, standing in for the next router (the endpoints here are one hop away).
LOW_TTL = 2
ARRIVED_TTL = (MARK - 1, LOW_TTL - 1)
OUTGOING = 4  # PACKET_OUTGOING
CLONE_NEWNET = 0x40000000
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, NS = 1, 2, 4, 8, 16, 32, 64, 128, 256

# Strategy sessions: round trips before the injection, and after it, with a pause longer than
# tcpfwd's close timeout in the test (1 s) plus a timer tick, as interactive sessions have: a
# flow the firewall wrongly closed is gone after it.
PRE_LINES, POST_LINES, PAUSE_AFTER = 8, 16, 4
LINE_GAP, PAUSE = 0.06, 1.5


def seq_gt(a, b):
    return 0 < (a - b) % MOD < (1 << 31)


def pton(addr):
    return socket.inet_pton(socket.AF_INET6 if ":" in addr else socket.AF_INET, addr)


# ---- namespaces and sockets ----

_libc = ctypes.CDLL(None, use_errno=True)


def in_netns(path, fn):
    """Runs fn() inside the network namespace at path; sockets it opens stay there."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(there, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        try:
            return fn()
        finally:
            _libc.setns(home, CLONE_NEWNET)
    finally:
        os.close(there)
        os.close(home)


def raw_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0x0003))
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: never miss a tag
    s.setblocking(False)
    return s


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


# ---- checksums and byte edits ----



def tcp_sum(fam, src, dst, seg):
    """The TCP checksum of seg (bytes, its own checksum field ignored)."""
    seg = bytearray(seg)
    seg[16:18] = b"\0\0"
    if fam == 6:
        pseudo = pton(src) + pton(dst) + struct.pack("!IxxxB", len(seg), 6)
    else:
        pseudo = pton(src) + pton(dst) + struct.pack("!xBH", 6, len(seg))
    return ~csum16(pseudo + bytes(seg)) & 0xFFFF


# ---- the connections, as the endpoints send them ----

class Side:
    __slots__ = ("isn", "nxt", "ack", "tsval", "win", "wscale", "ts", "fin", "rst")

    def __init__(self):
        self.isn = self.nxt = self.ack = self.tsval = None
        self.win = self.wscale = 0
        self.ts = self.fin = self.rst = False

    def copy(self):
        o = Side()
        for k in self.__slots__:
            setattr(o, k, getattr(self, k))
        return o

    def sent(self):
        """Data bytes sent so far (after the SYN)."""
        if self.isn is None or self.nxt is None:
            return 0
        return (self.nxt - self.isn - 1 - (1 if self.fin else 0)) % MOD


class Conn:
    __slots__ = ("c", "s", "last", "last_data")

    def __init__(self):
        self.c, self.s, self.last, self.last_data = Side(), Side(), 0.0, 0.0


class Watch:
    """Sniffs c0 and s0: tracks every connection and records tagged arrivals."""

    def __init__(self, sock_c, sock_s):
        self.socks = {sock_c: "c", sock_s: "s"}
        self.lock = threading.Condition()
        self.conns = {}  # (cli, cport, srv, sport) -> Conn, addresses as packed bytes
        self.arrivals = {}  # tag -> monotonic time
        self.idle = False  # blocked in select: nothing is waiting to be read
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        socks = list(self.socks)
        while True:
            self.idle = True
            ready, _, _ = select.select(socks, [], [], 1.0)
            self.idle = False
            for s in ready:
                where = self.socks[s]
                while True:
                    try:
                        buf, addr = s.recvfrom(256)  # headers are all we read
                    except BlockingIOError:
                        break
                    self.frame(where, buf, addr[2])

    def frame(self, where, buf, pkttype):
        et = buf[12:14]
        if et == b"\x08\x00":
            if len(buf) < 54 or buf[23] != 6:
                return
            ttl = buf[22]
            if pkttype != OUTGOING:
                if ttl in ARRIVED_TTL:
                    self.arrived((buf[18] << 8) | buf[19])
                return
            if ttl != KERNEL_TTL:
                return
            ihl = (buf[14] & 15) * 4
            t = 14 + ihl
            plen = ((buf[16] << 8) | buf[17]) - ihl
            src, dst = buf[26:30], buf[30:34]
        elif et == b"\x86\xdd":
            if len(buf) < 74 or buf[20] != 6:
                return
            hlim = buf[21]
            if pkttype != OUTGOING:
                if hlim in ARRIVED_TTL:
                    self.arrived(int.from_bytes(buf[15:18], "big") & 0xFFFFF)
                return
            if hlim != KERNEL_TTL:
                return
            t = 54
            plen = (buf[18] << 8) | buf[19]
            src, dst = buf[22:38], buf[38:54]
        else:
            return
        if len(buf) < t + 20:
            return
        sport, dport, seq, ack, offfl, win = struct.unpack_from("!HHIIHH", buf, t)
        doff = (offfl >> 12) * 4
        fl = offfl & 0x1FF
        tsval = wscale = None
        o, end = t + 20, min(t + doff, len(buf))
        while o < end:
            kind = buf[o]
            if kind == 0:
                break
            if kind == 1:
                o += 1
                continue
            if o + 1 >= end or buf[o + 1] < 2:
                break
            ln = buf[o + 1]
            if kind == 8 and ln == 10 and o + 10 <= end:
                tsval = int.from_bytes(buf[o + 2:o + 6], "big")
            elif kind == 3 and ln == 3 and o + 3 <= end:
                wscale = buf[o + 2]
            o += ln
        seg_end = (seq + plen - doff + (1 if fl & SYN else 0) + (1 if fl & FIN else 0)) % MOD
        key = (src, sport, dst, dport) if where == "c" else (dst, dport, src, sport)
        with self.lock:
            conn = self.conns.get(key)
            if conn is None:
                if not fl & SYN:
                    return  # connections are learned from their first SYN
                conn = self.conns[key] = Conn()
            side = conn.c if where == "c" else conn.s
            if fl & SYN:
                side.isn = seq
                side.ts = tsval is not None
                side.wscale = wscale or 0
            if side.nxt is None or seq_gt(seg_end, side.nxt):
                side.nxt = seg_end
            if fl & ACK and (side.ack is None or seq_gt(ack, side.ack)):
                side.ack = ack
            side.win = win
            if tsval is not None and (side.tsval is None or not seq_gt(side.tsval, tsval)):
                side.tsval = tsval
            if fl & FIN:
                side.fin = True
            if fl & RST:
                side.rst = True
            conn.last = time.monotonic()
            if plen > doff:
                conn.last_data = conn.last
            # no notify: waiters for numbers poll (see wait), so that every frame does not
            # wake every case's thread

    def arrived(self, tag):
        with self.lock:
            self.arrivals[tag] = time.monotonic()
            self.lock.notify_all()

    def wait(self, pred, timeout, poll=0.01):
        """Waits until pred() (evaluated under the lock) is true, polling every poll seconds
        or on an arrival; returns its last value."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                v = pred()
                left = deadline - time.monotonic()
                if v or left <= 0:
                    return v
                self.lock.wait(min(left, poll))

    def snapshot(self, key):
        with self.lock:
            conn = self.conns.get(key)
            if conn is None:
                return None
            return conn.c.copy(), conn.s.copy(), conn.last


# ---- segments ----

def ts_opt(tsval, tsecr):
    return b"\x01\x01\x08\x0a" + struct.pack("!II", tsval % MOD, tsecr % MOD)


def md5_opt():
    # kind 19, length 18, a signature nobody could check (the connection has no key)
    return b"\x13\x12" + bytes(random.getrandbits(8) for _ in range(16)) + b"\x01\x01"


def ao_opt():
    # TCP-AO (RFC 5925): kind 29, length 16: KeyID, RNextKeyID, a 96-bit MAC
    return b"\x1d\x10\x01\x01" + bytes(random.getrandbits(8) for _ in range(12))


def uto_opt():
    return b"\x1c\x04" + struct.pack("!H", random.getrandbits(16))


def syn_opts(tsval):
    # MSS, SACK permitted, timestamps, window scale: what a Linux SYN carries
    return (b"\x02\x04\x05\xb4\x04\x02" + b"\x08\x0a" + struct.pack("!II", tsval % MOD, 0)
            + b"\x01\x03\x03\x07")


class Frame:
    """One crafted segment: the side it leaves from, its tag, flags, numbers and IP bytes."""
    __slots__ = ("side", "tag", "flags", "seq", "ack", "data")


class Ctx:
    """The numbers a case builds its segments from, and the builder itself."""

    def __init__(self, serve, fam, cli, cport, srv, sport, c, s, nextline=b""):
        self.serve, self.fam = serve, fam
        self.addr = {"c": (cli, cport), "s": (srv, sport)}
        self.side = {"c": c, "s": s}
        self.nextline = nextline

    def other(self, frm):
        return "s" if frm == "c" else "c"

    def ts(self, frm, delta=0):
        snd, rcv = self.side[frm], self.side[self.other(frm)]
        if snd is None or not snd.ts or snd.tsval is None:
            return b""
        return ts_opt(snd.tsval + delta, rcv.tsval or 0)

    def seg(self, frm, flags, seq, ack, payload=b"", opts=None, ttl=MARK, bad_sum=False,
            doff=None, tcp_len=None):
        """A segment from side frm to the other side. opts: option bytes (default: the
        sender's current timestamps); doff: data offset to write instead of the real one;
        tcp_len: IP length of the TCP part shorter than the frame (the trailer stays)."""
        src, sport = self.addr[frm]
        dst, dport = self.addr[self.other(frm)]
        snd = self.side[frm]
        if opts is None:
            opts = self.ts(frm)
        opts += b"\x01" * (-len(opts) % 4)
        tag = self.serve.new_tag()
        win = snd.win if snd is not None and snd.win else 502
        l3 = (IPv6(src=src, dst=dst, hlim=ttl, fl=tag) if self.fam == 6
              else IP(src=src, dst=dst, ttl=ttl, id=tag, flags="DF"))
        tcp = TCP(sport=sport, dport=dport, flags=flags, seq=seq % MOD, ack=ack % MOD,
                  window=win, dataofs=5 + len(opts) // 4) / Raw(opts + payload)
        pkt = bytearray(bytes(l3 / tcp))
        hl = 40 if self.fam == 6 else (pkt[0] & 15) * 4
        if doff is not None:
            pkt[hl + 12] = (doff << 4) | (pkt[hl + 12] & 0x0F)
        if tcp_len is not None:
            if self.fam == 6:
                pkt[4:6] = struct.pack("!H", tcp_len)
            else:
                pkt[2:4] = struct.pack("!H", hl + tcp_len)
                pkt[10:12] = b"\0\0"
                pkt[10:12] = struct.pack("!H", ~csum16(bytes(pkt[:hl])) & 0xFFFF)
        seg_bytes = pkt[hl:hl + tcp_len] if tcp_len is not None else pkt[hl:]
        csum = tcp_sum(self.fam, src, dst, seg_bytes)
        if bad_sum:
            csum ^= 0x5A5A  # never its one's-complement twin
        pkt[hl + 16:hl + 18] = struct.pack("!H", csum)
        f = Frame()
        f.side, f.tag, f.flags, f.seq, f.ack = frm, tag, flags, seq % MOD, ack % MOD
        f.data = bytes(pkt)
        return f


# ---- classes: bogus segments into live connections ----

def build_class(cls, x, frm):
    """The segments of class cls from side frm, built from the live numbers in x."""
    S, R = x.side[frm], x.side[x.other(frm)]
    rcv_nxt = R.ack  # the receiver's RCV.NXT for the sender's data, as it last acked
    sent = S.sent()
    if cls == "fin_inside":
        # a FIN inside data already sent (and acked): the receiver drops it as a duplicate
        k = min(1000, sent)
        if k < 1:
            raise ValueError("no data sent yet")
        return [x.seg(frm, FIN | ACK, S.nxt - k, S.ack)]
    if cls == "fin_beyond":
        # a FIN past a 10-byte hole, in the window: the receiver queues it out of order
        return [x.seg(frm, FIN | ACK, S.nxt + 10, S.ack)]
    if cls == "stale_ts":
        if not x.ts(frm):
            raise ValueError("no timestamps on this connection")
        return [x.seg(frm, PSH | ACK, S.nxt, S.ack, b"x" * 100, opts=x.ts(frm, -10000))]
    if cls == "old_dup":
        # entirely below the receiver's last ACK (ending at it, its ACK would still count),
        # acking everything the receiver sent
        seq = rcv_nxt - min(5000, (rcv_nxt - S.isn - 1) % MOD)
        ln = min(100, (rcv_nxt - seq - 1) % MOD)
        if not 1 <= ln <= 100:
            raise ValueError("not enough data acked yet")
        return [x.seg(frm, PSH | ACK, seq, R.nxt, b"o" * ln)]
    if cls == "rst_inexact":
        # well inside the receiver's window, well past RCV.NXT
        win = R.win << R.wscale
        return [x.seg(frm, RST, rcv_nxt + max(100, min(win // 2, 30000)), 0, opts=b"")]
    if cls == "rst_badsum":
        return [x.seg(frm, RST, rcv_nxt, 0, opts=b"", bad_sum=True)]
    if cls == "bad_doff":
        return [x.seg(frm, PSH | ACK, S.nxt, S.ack, b"d" * 20, doff=15)]
    if cls == "syn_data":
        return [x.seg(frm, SYN, S.nxt, 0, b"s" * 50)]
    if cls == "fin_rst":
        return [x.seg(frm, FIN | RST | ACK, rcv_nxt, S.ack, opts=b"")]
    if cls == "md5_unexpected":
        return [x.seg(frm, RST, rcv_nxt, 0, opts=md5_opt())]
    if cls == "ao_unexpected":
        return [x.seg(frm, RST, rcv_nxt, 0, opts=ao_opt())]
    if cls == "ack_unsent":
        return [x.seg(frm, PSH | ACK, S.nxt, R.nxt + 100000, b"u" * 100)]
    raise ValueError("unknown class %s" % cls)


CLASSES = ("fin_inside", "fin_beyond", "stale_ts", "old_dup", "rst_inexact", "rst_badsum",
           "bad_doff", "syn_data", "fin_rst", "md5_unexpected", "ao_unexpected", "ack_unsent")


# ---- evasion strategies ----
# Each: phase (est: between two lines of an established session; pre: before connect; hold:
# after the client's real SYN, which the server does not get until the injection is done),
# COUNTED (yes: tcpfwd must count it, it can tell; sum: only its checksum is wrong, which tcpfwd
# can tell when the queue copied the segment whole; no: it cannot, the segment is valid as far
# as the firewall can see), PASSED (yes: tcpfwd must pass it, an endpoint accepts it; "-":
# either), the source, what is sent, and the builder: a list of groups,
# each a list of frames from one side.

def rnd(n):
    return bytes(random.getrandbits(8) for _ in range(n))


def _c(x, flags, seq=None, ack=None, **kw):
    c = x.side["c"]
    return x.seg("c", flags, c.nxt if seq is None else seq, c.ack if ack is None else ack, **kw)


STRATEGIES = [
    # name, phase, counted, passed, source, what, builder
    ("rst_badsum", "est", "sum", "-", "Geneva [A]-dup(R,chksum:corrupt) 95% CN; zapret badsum",
     "RST at RCV.NXT, wrong TCP checksum",
     lambda x: [[x.seg("c", RST, x.side["s"].ack, 0, opts=b"", bad_sum=True)]]),
    ("rst_badsum_long", "est", "no", "-",
     "Geneva/zapret badsum, longer than the queue's copy range",
     "RST at RCV.NXT with 200 bytes of payload and a wrong checksum",
     lambda x: [[x.seg("c", RST, x.side["s"].ack, 0, opts=b"", payload=rnd(200),
                       bad_sum=True)]]),
    ("rstack_badsum", "est", "sum", "-", "Geneva [A]-dup(RA,chksum:corrupt) 80% CN",
     "RST|ACK at RCV.NXT, wrong TCP checksum",
     lambda x: [[_c(x, RST | ACK, x.side["s"].ack, opts=b"", bad_sum=True)]]),
    ("rst_lowttl", "est", "no", "-", "Geneva [A]-dup(R,ttl:10) 87% CN; zapret ip_ttl; TCB teardown",
     "RST at RCV.NXT that expires after the firewall, then the session goes on",
     lambda x: [[x.seg("c", RST, x.side["s"].ack, 0, opts=b"", ttl=LOW_TTL)]]),
    ("rstack_lowttl", "est", "no", "-", "Geneva [A]-dup(RA,ttl:10) 94% CN",
     "RST|ACK at RCV.NXT that expires after the firewall",
     lambda x: [[_c(x, RST | ACK, x.side["s"].ack, opts=b"", ttl=LOW_TTL)]]),
    ("rst_md5", "est", "yes", "-", "Geneva [A]-dup(R,options-md5header) 86-94% CN; zapret tcp_md5",
     "RST at RCV.NXT with a TCP-MD5 option on a connection without MD5",
     lambda x: [[x.seg("c", RST, x.side["s"].ack, 0, opts=md5_opt())]]),
    ("flags_frapuen_badsum", "est", "yes", "-", "Geneva [A]-dup(FRAPUEN,chksum:corrupt) 89% CN",
     "FIN|RST|ACK|PSH|URG|ECE|NS at RCV.NXT, wrong checksum",
     lambda x: [[_c(x, FIN | RST | ACK | PSH | URG | ECE | NS, x.side["s"].ack, opts=b"",
                    bad_sum=True)]]),
    ("flags_freacn_lowttl", "est", "yes", "-", "Geneva [A]-dup(FREACN,ttl:10) 96% CN",
     "FIN|RST|ECE|ACK|CWR|NS at RCV.NXT, expires after the firewall",
     lambda x: [[_c(x, FIN | RST | ECE | ACK | CWR | NS, x.side["s"].ack, opts=b"",
                    ttl=LOW_TTL)]]),
    ("flags_frapun_md5", "est", "yes", "-", "Geneva [A]-dup(FRAPUN,options-md5header) 94% CN",
     "FIN|RST|ACK|PSH|URG|NS at RCV.NXT with a TCP-MD5 option",
     lambda x: [[_c(x, FIN | RST | ACK | PSH | URG | NS, x.side["s"].ack, opts=md5_opt())]]),
    ("doff_badsum", "est", "sum", "-", "Geneva [PA]-dup(dataofs:10,chksum:corrupt) 98% CN",
     "copy of the next data with data offset 10 and a wrong checksum, before it",
     lambda x: [[_c(x, PSH | ACK, payload=x.nextline, doff=10, bad_sum=True)]]),
    ("doff_lowttl", "est", "no", "-", "Geneva [PA]-dup(dataofs:10,ttl:10) 98% CN",
     "copy of the next data with data offset 10, expires after the firewall",
     lambda x: [[_c(x, PSH | ACK, payload=x.nextline, doff=10, ttl=LOW_TTL)]]),
    ("doff_badack", "est", "yes", "-", "Geneva [PA]-dup(dataofs:10,ack:corrupt) 94% CN",
     "copy of the next data with data offset 10, acking 1 GiB beyond what was sent",
     lambda x: [[_c(x, PSH | ACK, ack=x.side["c"].ack + (1 << 30), payload=x.nextline,
                    doff=10)]]),
    ("load_badsum", "est", "sum", "-", "Geneva [PA]-dup(load:corrupt,chksum:corrupt) 80% CN",
     "other bytes at the next sequence number, wrong checksum",
     lambda x: [[_c(x, PSH | ACK, payload=rnd(64), bad_sum=True)]]),
    ("load_lowttl", "est", "no", "-", "Geneva [PA]-dup(load:corrupt,ttl:8) 98% CN",
     "other bytes at the next sequence number, expire after the firewall",
     lambda x: [[_c(x, PSH | ACK, payload=rnd(64), ttl=LOW_TTL)]]),
    ("load_badack", "est", "yes", "-",
     "Geneva [PA]-dup(load:corrupt,ack:corrupt) 87% CN; zapret tcp_ack",
     "other bytes at the next sequence number, acking 1 GiB beyond what was sent",
     lambda x: [[_c(x, PSH | ACK, ack=x.side["c"].ack + (1 << 30), payload=rnd(64))]]),
    ("badseq", "est", "yes", "-", "zapret tcp_seq (badseq: seq -10000, ack -66000)",
     "other bytes 10000 below the next sequence number, ack 66000 low",
     lambda x: [[_c(x, PSH | ACK, x.side["c"].nxt - 10000, x.side["c"].ack - 66000,
                    payload=rnd(64))]]),
    ("datanoack", "est", "yes", "-", "zapret datanoack; SymTCP (no ACK flag)",
     "other bytes at the next sequence number without the ACK flag",
     lambda x: [[_c(x, PSH, ack=0, payload=rnd(64))]]),
    ("old_ts", "est", "yes", "-", "zapret tcp_ts; SymTCP timestamp discrepancy",
     "other bytes at the next sequence number, TSval 600000 older (PAWS)",
     lambda x: [[_c(x, PSH | ACK, payload=rnd(64), opts=x.ts("c", -600000))]]),
    ("fake_fin_iplen", "est", "yes", "-", "Geneva [PA]-dup(flags:F,IP:len:78) 100% IN",
     "FIN without ACK carrying the next data, IP length 78 (shorter than the frame)",
     lambda x: [[_c(x, FIN, ack=0, payload=x.nextline, tcp_len=58)]]),
    ("ip_len_short", "est", "no", "yes", "Geneva [PA]-dup(IP:len:64) 100% IN",
     "copy of the next data, IP length 64 (the endpoint trims it), before it",
     lambda x: [[_c(x, PSH | ACK, payload=x.nextline, tcp_len=44)]]),
    ("tcp_segment_reorder", "est", "no", "yes", "Geneva [PA]-fragment{tcp:8:True} 98-100%",
     "the next data but its first 8 bytes, out of order before the whole",
     lambda x: [[_c(x, PSH | ACK, x.side["c"].nxt + 8, payload=x.nextline[8:])]]),
    ("uto_corrupt", "est", "no", "yes", "Geneva [PA]-tamper{options-uto:corrupt} 100% IN",
     "copy of the next data with a random User Timeout option",
     lambda x: [[_c(x, PSH | ACK, payload=x.nextline, opts=x.ts("c") + uto_opt())]]),
    ("fake_fin_lowttl", "est", "no", "-", "Ptacek-Newsham insertion; INTANG TCB teardown with FIN",
     "FIN|ACK at the next sequence number that expires after the firewall, then more data",
     lambda x: [[_c(x, FIN | ACK, ttl=LOW_TTL)]]),
    ("syn_established", "est", "yes", "-", "SymTCP/INTANG SYN into ESTABLISHED (RFC 5961 4.2)",
     "SYN with another ISN into the established session",
     lambda x: [[_c(x, SYN, x.side["c"].nxt + 0x40000000, 0, opts=syn_opts(x.side["c"].tsval))]]),
    ("syn_resync_lowttl", "est", "no", "-",
     "INTANG resync (IMC 2017); Linux conntrack re-sync on SYN, SYN/ACK",
     "SYN with another ISN, then a SYN/ACK acking it, both expiring after the firewall",
     lambda x: [[_c(x, SYN, x.side["c"].nxt + 0x40000000, 0, ttl=LOW_TTL,
                    opts=syn_opts(x.side["c"].tsval))],
                [x.seg("s", SYN | ACK, x.side["s"].nxt + 0x40000000,
                       x.side["c"].nxt + 0x40000001, ttl=LOW_TTL,
                       opts=syn_opts(x.side["s"].tsval))]]),
    ("rst_before_gap", "est", "no", "yes", "exact RST at the last ACK before a hole (RFC 5961 3.2)",
     "100 bytes beyond a 50-byte hole, then a RST at the receiver's RCV.NXT, its ACK before it",
     lambda x: [[_c(x, PSH | ACK, x.side["c"].nxt + 50, payload=rnd(100)),
                 x.seg("c", RST, x.side["s"].ack, 0, opts=b"")]]),
    ("rstack_ack0", "est", "yes", "-", "RST|ACK with ack 0 behind the window (RFC 9293 3.10.7.4)",
     "RST|ACK with ack 0, 100 bytes before RCV.NXT",
     lambda x: [[_c(x, RST | ACK, x.side["s"].ack - 100, 0, opts=b"")]]),
    ("tcb_fake_syn", "pre", "no", "-", "INTANG TCB creation (IMC 2017)",
     "SYN with another ISN that expires after the firewall, then the real SYN",
     lambda x: [[x.seg("c", SYN, random.getrandbits(32), 0, ttl=LOW_TTL,
                       opts=syn_opts(random.getrandbits(32)))]]),
    ("syn_payload", "hold", "no", "-", "Geneva [S]-dup(,load:corrupt) 100% KZ",
     "copy of the SYN with 32 bytes of payload, before the server answers",
     lambda x: [[x.seg("c", SYN, x.side["c"].isn, 0, payload=rnd(32),
                       opts=syn_opts(x.side["c"].tsval))]]),
    ("client_synack", "hold", "yes", "-", "Geneva [S]-dup(flags:SA,) 100% KZ",
     "SYN/ACK from the client, a copy of its SYN, before the server answers",
     lambda x: [[x.seg("c", SYN | ACK, x.side["c"].isn, 0,
                       opts=syn_opts(x.side["c"].tsval))]]),
]
STRATS = {s[0]: s for s in STRATEGIES}


def line(i):
    """Line i of a strategy session: 64 bytes, known in advance (copies are exact)."""
    head = b"%08d " % i
    return head + (b"abcdefghijklmnopqrstuvwxyz0123456789" * 2)[:63 - len(head)] + b"\n"


# ---- the server ----

class Serve:
    def __init__(self, a):
        self.a = a
        self.out = open(a.out, "a", buffering=1)
        self.out_lock = threading.Lock()
        self.fw_lock = threading.Lock()
        self.tag_lock = threading.Lock()
        self.tag = random.randrange(1000, 60000)
        self.barrier_n = 0
        self.barrier_port = {k: int(v) for k, v in
                             (kv.split("=") for kv in a.barrier.split(","))}
        self.sock = {"c": raw_socket("c0"),
                     "s": in_netns("/run/netns/" + a.ns_server, lambda: raw_socket("s0"))}
        self.eth = {}
        for side, dmac in (("c", a.fw_mac_c), ("s", a.fw_mac_s)):
            smac = self.sock[side].getsockname()[4]
            self.eth[side] = {4: mac_bytes(dmac) + smac + b"\x08\x00",
                              6: mac_bytes(dmac) + smac + b"\x86\xdd"}
        self.watch = Watch(self.sock["c"], self.sock["s"])
        self.threads = []
        self.cases = {}  # tcpfwd case id -> (key, [Frame])
        self.log_pos, self.drop_reasons = 0, set()  # scan_log's

    def say(self, text):
        with self.out_lock:
            self.out.write(text + "\n")

    def new_tag(self):
        with self.tag_lock:
            self.tag = self.tag % 65000 + 1
            t = self.tag
        with self.watch.lock:
            self.watch.arrivals.pop(t, None)
        return t

    # -- tcpfwctl --

    def ctl(self, *args):
        r = subprocess.run([self.a.tcpfwctl, "--socket", self.a.socket, "-j"] + list(args),
                           capture_output=True, text=True, timeout=10)
        return r.returncode, r.stdout

    def measure(self, fam, cli, cport, srv, sport):
        """(reason counters, flow state) from tcpfwd, for a tcpfwd case."""
        rc, out = self.ctl("stats")
        reasons = json.loads(out)["reasons"] if rc == 0 else {}
        rc, out = self.ctl("get", cli, str(cport), srv, str(sport))
        state = json.loads(out).get("state", "?") if rc == 0 else "NONE"
        return reasons, state

    def log_size(self):
        return os.path.getsize(self.a.log)

    def scan_log(self, upto):
        """Reads tcpfwd's log up to offset upto: the names of the reasons it drops for."""
        with open(self.a.log, "rb") as f:
            f.seek(self.log_pos)
            data = f.read(max(upto - self.log_pos, 0))
        data = data[:data.rfind(b"\n") + 1]
        self.log_pos += len(data)
        for text in data.decode(errors="replace").splitlines():
            m = DROP_ANY_RE.search(text)
            if m:
                self.drop_reasons.add(m.group(1))

    def judged(self, key, frames, m0, m1, l0, l1):
        """What tcpfwd did with an injection, from the counters (m0, m1) and its log (offsets
        l0, l1) around it: " len=.. st0=.. st1=.. rose=.. injdrop=.. owndrop=.. noise=..".
        A drop is logged when it happens and counted when the worker next publishes its
        counters, so drops come from the log: injdrop, the injected segment's (a drop line
        without a tuple, from the parser, is one too: no legitimate segment has one), owndrop,
        the connection's other segments', noise, other flows'. rose holds only the counters of
        the reasons tcpfwd passes segments for, the ones its log never shows as drops."""
        self.scan_log(self.log_size())  # after m1: every drop m1 counts is logged by now
        with open(self.a.log, "rb") as f:
            f.seek(l0)
            text = f.read(l1 - l0).decode(errors="replace")
        noise, own, injdrop = {}, {}, []
        for entry in text.splitlines():
            d = parse_drop(entry)
            if d is None:
                m = DROP_ANY_RE.search(entry)
                if m:
                    injdrop.append(m.group(1))
                continue
            who = classify(d, key, frames)
            if who == "inj":
                injdrop.append(d[0])
            else:
                which = own if who == "own" else noise
                which[d[0]] = which.get(d[0], 0) + 1
        before, after = m0[0], m1[0]
        up = {k: v - before.get(k, 0) for k, v in after.items()
              if k != "ok" and k not in self.drop_reasons}

        def fmt(counts):
            return ",".join("%s:+%d" % kv for kv in sorted(counts.items()) if kv[1] > 0) or "-"
        return " len=%d st0=%s st1=%s rose=%s injdrop=%s owndrop=%s noise=%s" % (
            max(len(f.data) for f in frames), m0[1], m1[1], fmt(up), ",".join(injdrop) or "-",
            fmt(own), fmt(noise))

    # -- sending --

    def send_groups(self, mode, fam, groups):
        """Sends each group, then a barrier from the same side, and waits for the barrier.
        Returns, per frame, whether it crossed the firewall."""
        arrived = []
        for group in groups:
            side = group[0].side
            for f in group:
                self.sock[f.side].send(self.eth[f.side][fam] + f.data)
            bar = self.barrier(mode, fam, side)
            self.sock[side].send(self.eth[side][fam] + bar.data)
            if not self.watch.wait(lambda: bar.tag in self.watch.arrivals, 3.0):
                raise RuntimeError("barrier from %s never arrived" % side)
            time.sleep(0.02)  # a frame sent just before, that took another CPU's backlog
            with self.watch.lock:
                arrived += [f.tag in self.watch.arrivals for f in group]
        return arrived

    def barrier(self, mode, fam, side):
        with self.tag_lock:
            self.barrier_n += 1
        a = self.a
        c, s = (a.c4, a.s4) if fam == 4 else (a.c6, a.s6)
        x = Ctx(self, fam, c, 30000 + self.barrier_n % 2000, s, self.barrier_port[mode],
                None, None)
        if side == "s":
            x.addr = {"s": (s, 30000 + self.barrier_n % 2000), "c": (c, self.barrier_port[mode])}
        return x.seg(side, SYN, 7, 0, opts=b"")

    # -- a class into a live connection --

    def resolve_port(self, spec):
        if not spec.startswith("@"):
            return int(spec)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with open(spec[1:]) as f:
                    m = re.match(r"port (\d+)", f.readline())
                if m:
                    return int(m.group(1))
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("no port in " + spec[1:])

    def run_inject(self, args):
        id_, mode, cls, d, fam, cli, cport, srv, sport, wside, wbytes = args
        fam, sport, wbytes = int(fam), int(sport), int(wbytes)
        frm = "c" if d == "cs" else "s"
        res = "inj %s mode=%s" % (id_, mode)
        try:
            cport = self.resolve_port(cport)
            key = (pton(cli), cport, pton(srv), sport)
            w = self.watch

            def started():
                conn = w.conns.get(key)
                return (conn is not None and conn.c.nxt is not None and conn.s.nxt is not None
                        and getattr(conn, wside).sent() >= wbytes)
            if not w.wait(started, 15):
                raise RuntimeError("the connection never got %d bytes from %s" % (wbytes, wside))
            with self.fw_lock if mode == "tcpfwd" else nullcontext():
                if mode == "tcpfwd":
                    m0 = self.measure(fam, cli, cport, srv, sport)
                # the numbers are read last, so that they are the live ones when it is sent
                quiet = self.wait_quiet(key, 0.4)
                c, s, _ = w.snapshot(key)
                with w.lock:
                    last_data = w.conns[key].last_data
                t_inj = time.monotonic()
                if c.rst or s.rst or c.fin or s.fin:
                    raise RuntimeError("the connection closed before the injection")
                x = Ctx(self, fam, cli, cport, srv, sport, c, s)
                frames = build_class(cls, x, frm)
                if mode == "tcpfwd":
                    self.cases[id_] = (key, frames)
                    l0 = self.log_size()
                arrived = self.send_groups(mode, fam, [frames])
                res += " arrived=%s quiet=%d at=%d" % (
                    ",".join("1" if v else "0" for v in arrived), quiet,
                    (s if wside == "s" else c).sent())
                if mode == "tcpfwd":
                    l1 = self.log_size()
                    res += self.judged(key, frames, m0, self.measure(fam, cli, cport, srv, sport),
                                       l0, l1)
                res += " age=%d" % ((t_inj - last_data) * 1000)
            f = frames[0]
            res += " flags=0x%03x seq=%d ack=%d" % (f.flags, f.seq, f.ack)
        except Exception as e:  # reported, and the test fails that case
            res += " error=%s" % str(e).replace(" ", "_")
        self.say(res)

    def wait_quiet(self, key, timeout):
        """Waits for a quiet moment: everything either side sent is acked, the sniffer has
        read everything, nothing moved for 2 ms, and the last data was sent less than 25 ms ago
        (or more than 0.5 s ago), so that the next send, 50 ms apart in the download and 100
        ms in the echo, is far: "exact" numbers are still exact when the segment arrives.
        Returns 1, or 0 when only a moment without the last condition came within timeout."""
        w = self.watch

        def quiet(fresh):
            conn = w.conns[key]
            now = time.monotonic()
            if not (w.idle and conn.c.nxt == conn.s.ack and conn.s.nxt == conn.c.ack
                    and now - conn.last > 0.002):
                return False
            return not fresh or not 0.025 <= now - conn.last_data <= 0.5
        if w.wait(lambda: quiet(True), timeout, 0.002):
            return 1
        w.wait(lambda: quiet(False), 0.2, 0.002)
        return 0

    # -- a strategy on a session of our own --

    def hold(self, op, port):
        subprocess.run(["ip", "netns", "exec", self.a.ns_server, "nft", op, "element", "inet",
                        "desync_ep", "hold", "{ %d }" % port], check=True, timeout=10)

    def run_strategy(self, args):
        id_, mode, name, fam, cli, srv, sport, lport = args
        fam, sport, lport = int(fam), int(sport), int(lport)
        _, phase, _, _, _, _, build = STRATS[name]
        key = (pton(cli), lport, pton(srv), sport)
        res = "strat %s mode=%s" % (id_, mode)
        notes = []
        w = self.watch
        sk = socket.socket(socket.AF_INET6 if fam == 6 else socket.AF_INET, socket.SOCK_STREAM)
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sk.bind((cli, lport))
        inj = {}

        def inject(nextline=b""):
            with self.fw_lock if mode == "tcpfwd" else nullcontext():
                if mode == "tcpfwd":
                    m0 = self.measure(fam, cli, lport, srv, sport)
                c = s = None
                snap = w.snapshot(key)  # the live numbers, read last
                if snap:
                    c, s, _ = snap
                groups = build(Ctx(self, fam, cli, lport, srv, sport, c, s, nextline))
                frames = [f for g in groups for f in g]
                if mode == "tcpfwd":
                    self.cases[id_] = (key, frames)
                    l0 = self.log_size()
                inj["arrived"] = self.send_groups(mode, fam, groups)
                if mode == "tcpfwd":
                    l1 = self.log_size()
                    inj["judged"] = self.judged(key, frames, m0,
                                                self.measure(fam, cli, lport, srv, sport), l0, l1)

        sent = 0
        survived = "no"
        try:
            if phase == "pre":
                inject()
            if phase == "hold":
                self.hold("add", lport)
                sk.setblocking(False)
                sk.connect_ex((srv, sport))
                if not w.wait(lambda: key in w.conns, 3):
                    raise RuntimeError("the client's SYN was not seen")
                try:
                    inject()
                finally:
                    self.hold("delete", lport)
                # the SYN is retransmitted after 1 s unless the injection got an answer
                if not select.select([], [sk], [], 6)[1]:
                    raise RuntimeError("no connection within 6 s")
                err = sk.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, os.strerror(err))
                sk.setblocking(True)
            else:
                sk.settimeout(5)
                sk.connect((srv, sport))
            sk.settimeout(3)  # a dead session shows as a timeout

            def roundtrip(i):
                msg = line(i)
                sk.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    chunk = sk.recv(len(msg) - len(got))
                    if not chunk:
                        raise EOFError("EOF from the server")
                    got += chunk
                if got != msg:
                    raise ValueError("echo %r for %r" % (got[:12], msg[:12]))
                time.sleep(LINE_GAP)

            for i in range(PRE_LINES):
                roundtrip(i)
                sent += len(line(i))
            if phase == "est":
                def synced():
                    conn = w.conns.get(key)
                    return (conn is not None and conn.c.sent() == sent
                            and conn.s.ack == conn.c.nxt and conn.c.ack == conn.s.nxt)
                if not w.wait(synced, 1):
                    notes.append("not_quiet")
                inject(line(PRE_LINES))
            for i in range(PRE_LINES, PRE_LINES + POST_LINES):
                roundtrip(i)
                if i == PRE_LINES + PAUSE_AFTER:
                    time.sleep(PAUSE)
            sk.shutdown(socket.SHUT_WR)
            if sk.recv(1):
                raise ValueError("data after the last echo")
            survived = "yes"
        except Exception as e:  # the session died: that is the result
            notes.append(("%s:%s" % (type(e).__name__, e)).replace(" ", "_")[:80])
        finally:
            sk.close()
        res += " name=%s survived=%s arrived=%s" % (
            name, survived, ",".join("1" if v else "0" for v in inj.get("arrived", [])) or "-")
        if mode == "tcpfwd":
            res += inj.get("judged", " st0=- st1=- rose=- noise=- injdrop=-")
        res += " note=%s" % (",".join(notes) or "-")
        self.say(res)

    # -- tcpfwd's log --

    def analyse(self, log):
        with open(log, errors="replace") as f:
            drops = list(filter(None, map(parse_drop, f)))
        for id_, (key, frames) in sorted(self.cases.items()):
            own = {}
            for d in drops:
                if classify(d, key, frames) == "own":
                    own[d[0]] = own.get(d[0], 0) + 1
            self.say("own %s n=%d reasons=%s" % (
                id_, sum(own.values()),
                ",".join("%s:+%d" % kv for kv in sorted(own.items())) or "-"))

    def start(self, fn, args):
        t = threading.Thread(target=fn, args=(args,), daemon=True)
        t.start()
        self.threads.append(t)

    def loop(self):
        self.say("ready")
        with open(self.a.cmd) as cmds:
            for text in cmds:
                w = text.split()
                if not w:
                    continue
                if w[0] == "inject" and len(w) == 12:
                    self.start(self.run_inject, w[1:])
                elif w[0] == "strategy" and len(w) == 9:
                    self.start(self.run_strategy, w[1:])
                elif w[0] == "done":
                    for t in self.threads:
                        t.join()
                    self.say("done")
                elif w[0] == "analyse" and len(w) == 2:
                    self.analyse(w[1])
                    self.say("analysed")
                elif w[0] == "quit":
                    return
                else:
                    self.say("error unknown command %s" % text.strip())


DROP_ANY_RE = re.compile(r": drop (\S+)")
DROP_RE = re.compile(r"drop (\S+) \S+ (\S+):(\d+) -> (\S+):(\d+) flags 0x([0-9a-f]+) "
                     r"seq (\d+) ack (\d+)")


def parse_drop(text):
    """A drop line of tcpfwd's log (log_invalid) as (reason, src, sport, dst, dport, flags,
    seq, ack), or None."""
    m = DROP_RE.search(text)
    if not m:
        return None
    r, a1, p1, a2, p2, fl, seq, ack = m.groups()
    return r, pton(a1), int(p1), pton(a2), int(p2), int(fl, 16), int(seq), int(ack)


def classify(d, key, frames):
    """"inj" when drop d is one of the injected frames, "own" when it is another segment of
    the connection key, None when it is another flow's."""
    _, a1, p1, a2, p2, fl, seq, ack = d
    cli, cport, srv, sport = key
    if (a1, p1, a2, p2) == (cli, cport, srv, sport):
        frm = "c"
    elif (a1, p1, a2, p2) == (srv, sport, cli, cport):
        frm = "s"
    else:
        return None
    if any(f.side == frm and f.seq == seq and f.ack == ack and f.flags & 0xFF == fl
           for f in frames):
        return "inj"
    return "own"


def main(argv):
    if len(argv) == 2 and argv[1] == "strategies":
        for name, _, counted, passed, source, what, _ in STRATEGIES:
            print("\t".join((name, counted, passed, source, what)))
        return 0
    if len(argv) == 2 and argv[1] == "classes":
        print(" ".join(CLASSES))
        return 0
    if len(argv) < 2 or argv[1] != "serve":
        sys.exit(__doc__)
    p = argparse.ArgumentParser(prog="desync.py serve")
    for opt in ("cmd", "out", "ns-server", "fw-mac-c", "fw-mac-s", "tcpfwctl", "socket", "log",
                "barrier", "addrs"):
        p.add_argument("--" + opt, required=True)
    a = p.parse_args(argv[2:])
    a.c4, a.s4, a.c6, a.s6 = a.addrs.split(",")
    global IP, TCP, IPv6, Raw
    from scapy.all import IP, TCP, IPv6, Raw, conf
    conf.verb = 0
    Serve(a).loop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
