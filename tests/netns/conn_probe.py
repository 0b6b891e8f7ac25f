#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A client of tcp_server.py's echo mode that can tell a working connection from a stalled one.

usage: conn_probe.py DST PORT SPORT GOFILE [WAIT_S]

Connects from SPORT (SO_REUSEADDR: the same source port may go to other destinations), sends
a line and waits up to 5 s for its echo ("echo1 ok"), then waits for GOFILE to exist, sends a
second line and waits up to WAIT_S seconds (default 3) for its echo: "echo2 ok", or
"echo2 timeout" when the connection stalled (the segment was dropped on the way, and every
retransmission with it), or "echo2 error ERRNO" when it failed. Exits 0 after echo1 ok, 1 if
the connection could not be set up.
"""
import os
import socket
import sys
import time


def echo(s, line, wait_s):
    s.sendall(line)
    s.settimeout(wait_s)
    got = b""
    deadline = time.monotonic() + wait_s
    try:
        while len(got) < len(line):
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            s.settimeout(left)
            data = s.recv(len(line) - len(got))
            if not data:
                return "error EOF"
            got += data
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return "error %s" % (e.strerror or e)
    return "ok" if got == line else "error garbled %r" % got


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    dst, port, sport, gofile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    wait_s = float(sys.argv[5]) if len(sys.argv) == 6 else 3.0
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
    s.settimeout(5)
    try:
        s.connect((dst, port))
    except OSError as e:
        print("connect error %s" % e, flush=True)
        sys.exit(1)
    r = echo(s, b"ping1\n", 5)
    print("echo1 " + r, flush=True)
    if r != "ok":
        sys.exit(1)
    while not os.path.exists(gofile):
        time.sleep(0.05)
    print("echo2 " + echo(s, b"ping2\n", wait_s), flush=True)
    s.close()


if __name__ == "__main__":
    main()
