#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A client of an echo server that exchanges a known amount of data, in phases the test paces.

usage: acct_client.py HOST PORT SIZE ROUNDS PHASES LOG GOPREFIX

One connection with TCP_NODELAY. LOG gets "port N". Each phase is ROUNDS round trips of SIZE
bytes (sent, then read back whole and checked); after phase P it logs "phase P" and waits up to
60 s for the file GOPREFIX.P. After the last phase's file it shuts down its sending side, reads
until the server's EOF, closes and logs "closed". "error ..." and exit 1 on anything else.
"""
import os
import socket
import sys
import time


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    host, port, size, rounds, phases, logname, goprefix = sys.argv[1:]
    size, rounds, phases = int(size), int(rounds), int(phases)
    log = open(logname, "w", buffering=1)
    try:
        s = socket.create_connection((host, int(port)), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log.write("port %d\n" % s.getsockname()[1])
        for phase in range(1, phases + 1):
            for r in range(rounds):
                msg = bytes((phase * 7 + r + i) % 251 for i in range(size))
                s.sendall(msg)
                got = b""
                while len(got) < size:
                    chunk = s.recv(size - len(got))
                    if not chunk:
                        raise OSError("EOF in round %d" % r)
                    got += chunk
                if got != msg:
                    raise OSError("wrong echo in round %d" % r)
            log.write("phase %d\n" % phase)
            deadline = time.time() + 60
            while not os.path.exists("%s.%d" % (goprefix, phase)):
                if time.time() > deadline:
                    raise OSError("no go file for phase %d" % phase)
                time.sleep(0.05)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
        s.close()
        log.write("closed\n")
    except OSError as e:
        log.write("error %s\n" % e)
        sys.exit(1)


if __name__ == "__main__":
    main()
