#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Both ends of idle TCP connections that report how each one ended, for test_reset.sh.

usage: reset_peer.py server PORT
       reset_peer.py client DST PORT SPORT [fin]

server: accepts on PORT (dual stack) and reads each connection until it ends, printing
        "server SPORT ended ERRNAME" (ECONNRESET, EPIPE, ...) or "server SPORT ended eof".
        After the peer's FIN it keeps the socket open (CLOSE-WAIT) and waits for its error.
client: connects from SPORT, prints "client connected"; with "fin" it then shuts down its
        sending side (FIN-WAIT-2 once acknowledged). It waits up to 60 s for the connection
        to end and prints "client ended ERRNAME", "client ended eof" or "client ended timeout".
"""
import errno
import select
import socket
import sys
import threading
import time


def errname(e):
    return errno.errorcode.get(e, str(e))


def wait_end(s, who):
    """Reads until an error; after EOF, polls SO_ERROR (a readable EOF wakes poll for ever)."""
    deadline = time.monotonic() + 60
    eof = False
    while time.monotonic() < deadline:
        if eof:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                return errname(err)
            time.sleep(0.05)
            continue
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            continue
        try:
            if not s.recv(4096):
                eof = True
        except OSError as e:
            return errname(e.errno)
    return "eof" if eof else "timeout"


def serve(conn, sport):
    print("server %d ended %s" % (sport, wait_end(conn, "server")), flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "server":
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        ls.bind(("::", int(sys.argv[2])))
        ls.listen(64)
        while True:
            conn, peer = ls.accept()
            threading.Thread(target=serve, args=(conn, peer[1]), daemon=True).start()
    if len(sys.argv) in (5, 6) and sys.argv[1] == "client":
        dst, port, sport = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
        s.settimeout(5)
        s.connect((dst, port))
        s.settimeout(None)
        print("client connected", flush=True)
        if len(sys.argv) == 6 and sys.argv[5] == "fin":
            s.shutdown(socket.SHUT_WR)
        print("client ended " + wait_end(s, "client"), flush=True)
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
