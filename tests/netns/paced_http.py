# SPDX-License-Identifier: GPL-2.0-or-later
# paced_http.py PORT BLOB RATE: HTTP/1.0, dual stack; GET /blob.bin sends BLOB at RATE bytes/s
# (50 ms steps, no catch-up after a stall), anything else gets a short body.
import signal, socket, sys, threading, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
port, blob, rate = int(sys.argv[1]), open(sys.argv[2], "rb").read(), int(sys.argv[3])
ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
ls.bind(("::", port))
ls.listen(64)
def serve(c):
    try:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d:
                return
            req += d
        body = blob if req.split(b" ")[1] == b"/blob.bin" else b"small\n"
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        step = max(rate // 20, 1)
        nxt = time.monotonic()
        for off in range(0, len(body), step):
            c.sendall(body[off:off + step])
            nxt += step / rate
            now = time.monotonic()
            if nxt > now:
                time.sleep(nxt - now)
            else:
                nxt = now
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
