#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Traffic for the netns tests: servers and clients whose progress shows, from the outside,
whether the firewall passes them, with a wall-clock stamp on every step.

usage: traffic.py MODE ARGS...

  http PORT BLOB RATE     server, dual stack, HTTP/1.0: GET /blob.bin sends the file BLOB
                          paced at RATE bytes/s in 50 ms steps with no catch-up after a stall
                          (a small send buffer, so what curl has is about what crossed the
                          firewall); anything else gets the body "small\\n"
  source PORT RATE        server, dual stack: every connection gets an endless byte stream,
                          byte i = i % 251, paced at RATE bytes/s in 20 ms steps with no
                          catch-up after a stall (a small send buffer, as above)
  sink HOST PORT LOG      client of source: LOG gets "port N", then "bytes TOTAL TIME" every
                          50 ms of progress and once more when the stream pauses (so the
                          last line is the total received), each byte checked against the
                          pattern; "error ..." and exit 1 on a wrong byte, EOF, a socket
                          error or 60 s without data
  echo HOST PORT LOG [WAIT [COUNT]]
                          client of an echo server: one connection, a numbered line every
                          100 ms, each echo checked; LOG gets "port N", then "echo I TIME" per
                          round trip, or "error ..." and exit 1. Waits up to WAIT seconds
                          (default 60) for an echo, so an outage shows as a pause, not an error.
                          With COUNT, stops after COUNT round trips: shuts down its sending
                          side, waits for the server's EOF and logs "closed TIME" (a session
                          that ends with a full close, not a kill)
  listen PORT             server, dual stack: accepts (backlog 4096) and closes at once
  idle HOST PORT N LOG GOFILE WAIT
                          client of an echo server: N connections, one after the other, each
                          checked with a round trip; LOG gets "open N TIME". They stay idle
                          until GOFILE exists; then a round trip on every one at once, each
                          echo checked, for up to WAIT seconds: LOG gets "alive K of N TIME"
                          and the exit status is 0 only when K = N
  burst HOST PORT N WAIT  N connections at once (non-blocking connects), then waits up to
                          WAIT seconds for them: prints "connected C of N in MS ms ports P,..."
                          (the local ports of the first 8 that connected, or -), closes them
                          all and exits 0

TIME is time.time() with 3 decimals, so that the shell can compare it with its own clock.
"""
import os
import resource
import selectors
import signal
import socket
import sys
import threading
import time

PATTERN = bytes(i % 251 for i in range(251 * 272))  # any 65536 bytes from any phase


def now():
    return "%.3f" % time.time()


def listener(port, backlog):
    """A dual-stack listening socket on PORT."""
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(("::", port))
    ls.listen(backlog)
    return ls


def serve_threads(ls, serve):
    """Accepts for ever; serve(conn) runs in a thread of its own, then conn is closed."""
    def run(c):
        try:
            serve(c)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=run, args=(c,), daemon=True).start()


def send_paced(c, chunks, rate):
    """Sends the chunks at RATE bytes/s on average, with no catch-up after a stall."""
    nxt = time.monotonic()
    for chunk in chunks:
        c.sendall(chunk)
        nxt += len(chunk) / rate
        t = time.monotonic()
        if nxt > t:
            time.sleep(nxt - t)
        else:
            nxt = t


def http(port, blob, rate):
    with open(blob, "rb") as f:
        data = f.read()

    def serve(c):
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d:
                return
            req += d
        body = data if req.split(b" ")[1] == b"/blob.bin" else b"small\n"
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        step = max(rate // 20, 1)
        send_paced(c, (body[off:off + step] for off in range(0, len(body), step)), rate)

    serve_threads(listener(port, 64), serve)


def source(port, rate):
    def serve(c):
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32768)
        step = min(max(rate // 50, 1), 65536)

        def chunks():
            off = 0
            while True:
                start = off % 251
                yield PATTERN[start:start + step]
                off += step

        send_paced(c, chunks(), rate)

    serve_threads(listener(port, 16), serve)


def listen(port):
    ls = listener(port, 4096)
    while True:
        c, _ = ls.accept()
        c.close()


def sink(host, port, log):
    try:
        s = socket.create_connection((host, port), timeout=5)
        log.write("port %d\n" % s.getsockname()[1])
        s.settimeout(0.05)
        total = logged = 0
        last = idle_since = time.monotonic()
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                d = None
            t = time.monotonic()
            if d is None:
                if t - idle_since > 60:
                    raise TimeoutError("no data for 60 s")
            elif not d:
                raise EOFError("connection closed by the peer")
            else:
                start = total % 251
                if d != PATTERN[start:start + len(d)]:
                    raise ValueError("wrong bytes at offset %d" % total)
                total += len(d)
                idle_since = t
            # every 50 ms of progress, and the last total once the stream pauses
            if total != logged and (d is None or t - last >= 0.05):
                log.write("bytes %d %s\n" % (total, now()))
                logged, last = total, t
    except Exception as e:
        log.write("error %s\n" % e)
        sys.exit(1)


def echo(host, port, log, wait, count):
    try:
        s = socket.create_connection((host, port), timeout=5)
        log.write("port %d\n" % s.getsockname()[1])
        s.settimeout(wait)
        i = 0
        while count is None or i < count:
            msg = b"ping %08d\n" % i
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                c = s.recv(len(msg) - len(got))
                if not c:
                    raise EOFError("connection closed by the peer")
                got += c
            if got != msg:
                raise ValueError("echo %r for %r" % (got, msg))
            log.write("echo %d %s\n" % (i, now()))
            i += 1
            time.sleep(0.1)
        s.shutdown(socket.SHUT_WR)
        if s.recv(1):
            raise ValueError("data after the last echo")
        log.write("closed %s\n" % now())
    except Exception as e:
        log.write("error %s\n" % e)
        sys.exit(1)


def raise_fd_limit():
    """Thousands of sockets need more than the usual 1024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def round_trip_all(socks, tag, wait):
    """Sends a line on every socket, then reads every echo; returns how many came back right."""
    sel = selectors.DefaultSelector()
    want, got = {}, {}
    for i, s in enumerate(socks):
        want[s] = b"%s %06d\n" % (tag, i)
        got[s] = b""
        s.setblocking(True)
        s.sendall(want[s])
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    ok = 0
    deadline = time.monotonic() + wait
    while ok < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(max(deadline - time.monotonic(), 0)):
            s = key.fileobj
            try:
                c = s.recv(64)
            except OSError:
                c = b""
            got[s] += c
            if not c or len(got[s]) >= len(want[s]):
                sel.unregister(s)
                ok += got[s] == want[s]
    return ok


def idle(host, port, n, log, gofile, wait):
    raise_fd_limit()
    socks = []
    try:
        for _ in range(n):
            socks.append(socket.create_connection((host, port), timeout=10))
        if round_trip_all(socks, b"open", 10) != n:
            raise ValueError("not every connection echoed when opened")
        log.write("open %d %s\n" % (n, now()))
        while not os.path.exists(gofile):
            time.sleep(0.1)
        ok = round_trip_all(socks, b"again", wait)
        log.write("alive %d of %d %s\n" % (ok, n, now()))
        sys.exit(0 if ok == n else 1)
    except (OSError, ValueError) as e:
        log.write("error %s\n" % e)
        sys.exit(1)


def burst(host, port, n, wait):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    sel = selectors.DefaultSelector()
    socks = []
    t0 = time.monotonic()
    for _ in range(n):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, port))
        sel.register(s, selectors.EVENT_WRITE)
        socks.append(s)
    done = 0
    ports = []
    pending = n
    deadline = t0 + wait
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(max(deadline - time.monotonic(), 0)):
            sel.unregister(key.fileobj)
            pending -= 1
            if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done += 1
                ports.append(key.fileobj.getsockname()[1])
    print("connected %d of %d in %d ms ports %s" % (
        done, n, (time.monotonic() - t0) * 1000,
        ",".join(map(str, ports[:8])) if ports else "-"))
    for s in socks:
        s.close()


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "listen":
        listen(int(a[1]))
    elif len(a) == 3 and a[0] == "source":
        source(int(a[1]), int(a[2]))
    elif len(a) == 4 and a[0] == "http":
        http(int(a[1]), a[2], int(a[3]))
    elif len(a) == 4 and a[0] == "sink":
        sink(a[1], int(a[2]), open(a[3], "w", buffering=1))
    elif len(a) in (4, 5, 6) and a[0] == "echo":
        echo(a[1], int(a[2]), open(a[3], "w", buffering=1), float(a[4]) if len(a) >= 5 else 60,
             int(a[5]) if len(a) == 6 else None)
    elif len(a) == 7 and a[0] == "idle":
        idle(a[1], int(a[2]), int(a[3]), open(a[4], "w", buffering=1), a[5], float(a[6]))
    elif len(a) == 5 and a[0] == "burst":
        burst(a[1], int(a[2]), int(a[3]), float(a[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
