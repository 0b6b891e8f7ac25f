#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Crafted TCP segments for the tcpfw netns tests (scapy).

Segments leave at layer 2 (sendp on the client's veth), so netfilter hooks in the client
namespace never see them: a rule there that drops the kernel's own RSTs leaves ours alone.
They carry TTL / hop limit 200 by default; one hop through fw makes it 199, the mark the
server namespace counts (see server_counter_setup in lib.sh).

usage:
  craft.py send IFACE DMAC SPEC...
      SPEC is comma-separated key=value: src, dst, sport, dport, flags (scapy letters, ""
      for none), seq, ack, win, len (payload bytes), ttl. Sends each SPEC once, in order.

  craft.py conn IFACE DMAC SRC DST SPORT DPORT CASE RELEASE_FILE
      Opens a real connection from SRC:SPORT to DST:DPORT (the server must be tcp_server.py),
      sends a little data, learns both sides' sequence numbers by sniffing IFACE, then:
        data_over_window  injects 100 bytes 512 MiB beyond the client's next sequence number
        rst_established   injects a RST 512 MiB beyond it
        rst_after_fin     shuts down writing, waits for the ACK of its FIN, injects that RST
        close             closes first and waits for the server's FIN and its own last ACK
      and prints one line "<CASE> key=value..." (cli_nxt, cli_ack, srv_nxt, injected seq).
      For the injecting cases it then waits until RELEASE_FILE exists (at most 60 s), checks
      that the connection still carries data (survived=yes|no, except after its FIN), and
      exits. Exit status 0 when every step happened, 1 otherwise.
"""
import os
import socket
import sys
import threading
import time

from scapy.all import IP, TCP, AsyncSniffer, Ether, IPv6, Raw, conf, sendp

conf.verb = 0
MOD = 1 << 32
MARK_TTL = 200


def is_v6(addr):
    return ":" in addr


def build(src, dst, sport, dport, flags="", seq=0, ack=0, win=8192, length=0, ttl=MARK_TTL):
    ip = IPv6(src=src, dst=dst, hlim=ttl) if is_v6(src) else IP(src=src, dst=dst, ttl=ttl)
    seg = TCP(sport=sport, dport=dport, flags=flags, seq=seq % MOD, ack=ack % MOD, window=win)
    if length:
        seg = seg / Raw(b"x" * length)
    return ip / seg


def send(iface, dmac, pkts):
    sendp([Ether(dst=dmac) / p for p in pkts], iface=iface)


def parse_spec(spec):
    kv = dict(item.split("=", 1) for item in spec.split(",") if item)
    return build(kv["src"], kv["dst"], int(kv["sport"]), int(kv["dport"]),
                 flags=kv.get("flags", ""), seq=int(kv.get("seq", 1000)),
                 ack=int(kv.get("ack", 0)), win=int(kv.get("win", 8192)),
                 length=int(kv.get("len", 0)), ttl=int(kv.get("ttl", MARK_TTL)))


def seq_gt(a, b):
    return 0 < (a - b) % MOD < (1 << 31)


class Watch:
    """Sniffs one connection and keeps each side's highest sequence end and ack."""

    def __init__(self, iface, cli, srv):
        self.cli, self.srv = cli, srv  # (addr, port)
        self.lock = threading.Lock()
        self.nxt = {}  # side -> next sequence number (seq + len + SYN + FIN)
        self.ack = {}  # side -> highest ack
        self.fin = {}  # side -> True once it sent a FIN
        started = threading.Event()
        self.sniffer = AsyncSniffer(iface=iface, store=False, prn=self.packet,
                                    lfilter=self.match, started_callback=started.set)
        self.sniffer.start()
        if not started.wait(5):
            raise SystemExit("sniffer did not start")

    def side(self, p):
        l3 = p[IPv6] if IPv6 in p else p[IP]
        t = p[TCP]
        if (l3.src, t.sport) == self.cli and (l3.dst, t.dport) == self.srv:
            return "cli"
        if (l3.src, t.sport) == self.srv and (l3.dst, t.dport) == self.cli:
            return "srv"
        return None

    def match(self, p):
        if TCP not in p or (IP not in p and IPv6 not in p):
            return False
        # our own injected segments are not the connection's
        ttl = p[IPv6].hlim if IPv6 in p else p[IP].ttl
        return ttl != MARK_TTL and self.side(p) is not None

    def packet(self, p):
        t = p[TCP]
        if IPv6 in p:
            plen = p[IPv6].plen - t.dataofs * 4
        else:
            plen = p[IP].len - p[IP].ihl * 4 - t.dataofs * 4
        end = (t.seq + plen + (1 if t.flags.S else 0) + (1 if t.flags.F else 0)) % MOD
        s = self.side(p)
        with self.lock:
            if s not in self.nxt or seq_gt(end, self.nxt[s]):
                self.nxt[s] = end
            if t.flags.A and (s not in self.ack or seq_gt(t.ack, self.ack[s])):
                self.ack[s] = t.ack
            if t.flags.F:
                self.fin[s] = True

    def acked(self, side):
        """True when the other side acknowledged everything `side` sent."""
        other = "srv" if side == "cli" else "cli"
        with self.lock:
            return side in self.nxt and self.ack.get(other) == self.nxt[side]

    def get(self):
        with self.lock:
            return dict(self.nxt), dict(self.ack), dict(self.fin)

    def stop(self):
        self.sniffer.stop()


def wait_until(pred, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def conn(iface, dmac, src, dst, sport, dport, case, release):
    fam = socket.AF_INET6 if is_v6(src) else socket.AF_INET
    w = Watch(iface, (src, sport), (dst, dport))
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    s.settimeout(10)
    s.connect((dst, dport))
    # the handshake seen whole first, so that "acked" below means the data was acked
    if not wait_until(lambda: w.acked("cli"), 10):
        print(f"{case} error=handshake-not-seen", flush=True)
        return 1
    start = w.get()[0]["cli"]
    hello = b"hello through tcpfwd\n"
    s.sendall(hello)
    if not wait_until(lambda: w.get()[0]["cli"] == (start + len(hello)) % MOD and w.acked("cli"),
                      10):
        print(f"{case} error=data-not-acked", flush=True)
        return 1

    if case == "close":
        s.close()
        # the server's FIN, then our ACK of it, are the last packets of the connection
        ok = wait_until(lambda: w.get()[2].get("srv") and w.acked("srv"), 10)
        nxt, ack, _ = w.get()
        w.stop()
        print(f"close ok={'yes' if ok else 'no'} cli_nxt={nxt.get('cli')} "
              f"srv_nxt={nxt.get('srv')}", flush=True)
        return 0 if ok else 1

    if case == "rst_after_fin":
        s.shutdown(socket.SHUT_WR)
        if not wait_until(lambda: w.get()[2].get("cli") and w.acked("cli"), 10):
            print(f"{case} error=fin-not-acked", flush=True)
            return 1

    nxt, ack, _ = w.get()
    cli_nxt, srv_nxt = nxt["cli"], nxt["srv"]
    bad_seq = (cli_nxt + (512 << 20)) % MOD
    if case == "data_over_window":
        pkt = build(src, dst, sport, dport, "PA", bad_seq, srv_nxt, length=100)
    elif case in ("rst_established", "rst_after_fin"):
        pkt = build(src, dst, sport, dport, "R", bad_seq, 0)
    else:
        print(f"unknown case {case}", flush=True)
        return 2
    send(iface, dmac, [pkt])
    print(f"{case} injected seq={bad_seq} cli_nxt={cli_nxt} srv_nxt={srv_nxt}", flush=True)

    wait_until(lambda: os.path.exists(release), 60)
    survived = "n/a"
    if case != "rst_after_fin":
        s.sendall(b"still alive\n")
        survived = "yes" if wait_until(lambda: w.acked("cli"), 10) else "no"
    print(f"{case} survived={survived}", flush=True)
    s.close()
    w.stop()
    return 0 if survived != "no" else 1


def main(argv):
    if len(argv) >= 4 and argv[1] == "send":
        send(argv[2], argv[3], [parse_spec(x) for x in argv[4:]])
        return 0
    if len(argv) == 10 and argv[1] == "conn":
        return conn(argv[2], argv[3], argv[4], argv[5], int(argv[6]), int(argv[7]), argv[8],
                    argv[9])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
