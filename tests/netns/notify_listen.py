#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for systemd's NOTIFY_SOCKET: logs every sd_notify datagram.

usage: notify_listen.py SOCKET_PATH LOG_FILE [QUEUE_NUM]

Binds an AF_UNIX datagram socket at SOCKET_PATH and appends one line per received
assignment to LOG_FILE: "<monotonic seconds> <KEY=VALUE>". When QUEUE_NUM is given, each
READY=1 line also says whether that queue had a listener at the instant READY=1 arrived
("queue_bound=yes|no"), read from /proc/net/netfilter/nfnetlink_queue of the namespace this
runs in. That is the ordering check: READY=1 must only follow the bind.
"""
import os
import signal
import socket
import sys
import time


def queue_bound(num):
    try:
        with open("/proc/net/netfilter/nfnetlink_queue") as f:
            return any(line.split()[0] == str(num) for line in f if line.split())
    except OSError:
        return False


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    path, log_path = sys.argv[1], sys.argv[2]
    queue = sys.argv[3] if len(sys.argv) == 4 else None

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    # bind to a temporary name and rename, so the path appears only once it can receive
    tmp = path + ".tmp"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    sock.bind(tmp)
    os.rename(tmp, path)
    with open(log_path, "a", buffering=1) as log:
        while True:
            data = sock.recv(65536)
            now = time.monotonic()
            bound = queue_bound(queue) if queue is not None else None
            for item in data.decode(errors="replace").split("\n"):
                if not item:
                    continue
                line = "%.3f %s" % (now, item)
                if item == "READY=1" and bound is not None:
                    line += " queue_bound=%s" % ("yes" if bound else "no")
                log.write(line + "\n")


if __name__ == "__main__":
    main()
