#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A TCP server for the crafted-segment tests: accepts on one or more ports, dual stack.

usage: tcp_server.py MODE PORT...

MODE hold: read and discard everything, and keep each connection open, even after the peer's
           FIN, until killed (the flow stays in ESTABLISHED or half-closed states).
MODE eof:  read until the peer's FIN, then close (the peer closes first and ends in
           TIME-WAIT; so does the flow in tcpfwd).
MODE echo: send back everything read; close after the peer's FIN.
"""
import resource
import selectors
import signal
import socket
import sys


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("hold", "eof", "echo"):
        sys.exit(__doc__)
    mode = sys.argv[1]
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # thousands of connections
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sel = selectors.DefaultSelector()
    for port in sys.argv[2:]:
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        ls.bind(("::", int(port)))
        ls.listen(1024)
        sel.register(ls, selectors.EVENT_READ, "listen")
    half_closed = []  # referenced so that they stay open
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if key.data == "listen":
                conn, _ = s.accept()
                sel.register(conn, selectors.EVENT_READ, "conn")
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                if mode == "echo":
                    try:
                        s.sendall(data)
                    except OSError:
                        pass
                continue
            sel.unregister(s)
            if mode in ("eof", "echo"):
                s.close()
            else:
                half_closed.append(s)


if __name__ == "__main__":
    main()
