#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The load of test_ha.sh: a server, clients that run every kind of connection at once, and
the report that judges what the clients saw. Only the standard library (asyncio), so that one
process carries thousands of connections on a small machine.

usage: ha_load.py server PORT LOG
       ha_load.py client HOST PORT OUT STOPFILE [key=value...]
       ha_load.py report OUT[,OUT...] SERVERLOG MARKS LABEL SUMMARY
       ha_load.py sync FILE

server: listens on PORT (backlog 4096). A connection's first line says what it is:
  "DL ID RATE"  a download: pseudo-random bytes (seeded by ID) paced at RATE bytes/s in 50 ms
                steps, no catch-up after a stall, until the client sends "END"; then the
                server closes and LOG gets "dl ID sent BYTES SHA256" (what it wrote).
  "ECHO"        every byte after the line comes back.

client: keys (defaults) downloads=50 rate=32768 idle=1000 echo_ms=50 new_per_s=20 and
  timeout=8 (seconds a connection may take to answer a probe or the end); 0 leaves a kind out
  (test_ha.sh runs the echo session in a client and a server of its own, so that the work of
  the others never shows as its latency). Opens the idle connections (each with a round trip)
  and the downloads, prints "ready ..." on stdout and runs until STOPFILE exists:
  - the echo session: a numbered line every echo_ms, each echo checked; every round trip is
    recorded (send time, round-trip time);
  - new connections at new_per_s: connect, a line, its echo, close; each must work;
  - the downloads: hashed as they arrive;
  - the idle connections: any data, EOF or error is a loss; when the file STOPFILE.probeN
    appears (N = 1, 2, ...), each sends a byte and must get it back within timeout seconds,
    and the client prints "probe N K of M in MS ms" (K answered of the M still alive).
  Then the end: every idle connection sends a byte and must get it back, every download sends
  "END" and reads to EOF (its SHA-256 is compared with the server's by report), within timeout
  seconds. OUT gets the results as JSON.

report: merges the OUT files of the clients, counts the connections lost (an error, a reset,
  a time-out or a data mismatch), prints the details and the stall of the echo session around
  each fault (MARKS: lines "TIME NAME", wall clock, written by the test as each step starts),
  and writes one line to SUMMARY: "LABEL LOST DL_BAD IDLE_BAD ECHO_BAD NEW_BAD NEW_N P50_MS
  P99_MS MAX_MS GAP_MS". Exit 0.

sync: FILE holds the output of `tcpfwctl -j sync`. Prints the sync state (the value of the
  first member named "state" or "sync_state", at any depth; "unknown" without one) on the
  first line, then "PATH=VALUE" for every value whose path has "lag" in it, or, when there is
  none, the whole object on one line. Exit 1 when FILE is not JSON.
"""
import asyncio
import hashlib
import json
import os
import random
import resource
import signal
import socket
import sys
import time

CONNECT_TIMEOUT = 15.0  # a SYN lost in a failover is retried after 1, 3, 7 s


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def stream_chunk(rng, n):
    return rng.randbytes(n)


# ---------------------------------------------------------------- server

async def serve_download(reader, writer, dl_id, rate, log):
    rng = random.Random(dl_id)
    h = hashlib.sha256()
    sent = 0
    step = max(rate // 20, 1)
    ended = asyncio.Event()

    async def wait_end():
        try:
            while True:
                line = await reader.readline()
                if not line or line.strip() == b"END":
                    break
        except OSError:
            pass
        ended.set()

    end_task = asyncio.ensure_future(wait_end())
    loop = asyncio.get_running_loop()
    nxt = loop.time()
    err = None
    try:
        while not ended.is_set():
            chunk = stream_chunk(rng, step)
            writer.write(chunk)
            h.update(chunk)
            sent += len(chunk)
            await writer.drain()
            nxt += 0.05
            delay = nxt - loop.time()
            if delay > 0:
                try:
                    await asyncio.wait_for(ended.wait(), delay)
                except asyncio.TimeoutError:
                    pass
            else:
                nxt = loop.time()
        await writer.drain()
    except OSError as e:
        err = e
    end_task.cancel()
    log.write("dl %d sent %d %s%s\n" % (dl_id, sent, h.hexdigest(),
                                        " error %s" % err if err else ""))
    writer.close()


async def serve_echo(reader, writer):
    try:
        while True:
            d = await reader.read(4096)
            if not d:
                break
            writer.write(d)
            await writer.drain()
    except OSError:
        pass
    writer.close()


def server(port, logname):
    raise_fd_limit()
    log = open(logname, "w", buffering=1)

    async def handle(reader, writer):
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        try:
            line = await reader.readline()
        except OSError:
            writer.close()
            return
        f = line.split()
        if len(f) == 3 and f[0] == b"DL":
            await serve_download(reader, writer, int(f[1]), int(f[2]), log)
        elif f == [b"ECHO"]:
            await serve_echo(reader, writer)
        else:
            writer.close()

    async def main():
        srv = await asyncio.start_server(handle, "0.0.0.0", port, backlog=4096,
                                         reuse_address=True)
        async with srv:
            await srv.serve_forever()

    asyncio.run(main())


# ---------------------------------------------------------------- client

class Client:
    def __init__(self, host, port, stopfile, opts):
        self.host, self.port, self.stopfile = host, port, stopfile
        self.n_dl = int(opts.get("downloads", 50))
        self.rate = int(opts.get("rate", 32768))
        self.n_idle = int(opts.get("idle", 1000))
        self.echo_s = float(opts.get("echo_ms", 50)) / 1000
        self.new_per_s = float(opts.get("new_per_s", 20))
        self.timeout = float(opts.get("timeout", 8))
        self.stop = asyncio.Event()
        self.idle = {}  # the live idle connections by number
        self.idle_errors = []
        self.closing = False
        self.res = {"downloads": [], "idle": {}, "echo": {"rtts": [], "error": None},
                    "new": {"started": 0, "ok": 0, "max_s": 0.0, "errors": []}}

    async def connect(self, what):
        r, w = await asyncio.wait_for(asyncio.open_connection(self.host, self.port),
                                      CONNECT_TIMEOUT)
        w.write(what)
        return r, w

    # --- downloads
    async def download(self, i):
        d = {"id": i, "bytes": 0, "sha": None, "error": None, "max_gap": 0.0}
        self.res["downloads"].append(d)
        h = hashlib.sha256()
        w = None
        try:
            r, w = await self.connect(b"DL %d %d\n" % (i, self.rate))
            loop = asyncio.get_running_loop()
            last = loop.time()
            end_sent = None
            while True:
                if self.stop.is_set() and end_sent is None:
                    w.write(b"END\n")
                    end_sent = loop.time()
                limit = 30.0 if end_sent is None else end_sent + self.timeout - loop.time()
                if limit <= 0:
                    raise TimeoutError("no EOF %.0f s after END" % self.timeout)
                try:
                    data = await asyncio.wait_for(r.read(65536), min(limit, 0.5))
                except asyncio.TimeoutError:
                    if end_sent is None and loop.time() - last > 30:
                        raise TimeoutError("no data for 30 s")
                    continue
                t = loop.time()
                if not data:
                    if end_sent is None:
                        raise EOFError("EOF before the end")
                    break
                d["max_gap"] = max(d["max_gap"], t - last)
                last = t
                h.update(data)
                d["bytes"] += len(data)
            d["sha"] = h.hexdigest()
        except Exception as e:  # any failure is a lost connection
            d["error"] = "%s: %s" % (type(e).__name__, e)
        if w:
            w.close()

    # --- idle connections
    async def idle_open(self, i):
        loop = asyncio.get_running_loop()
        p = Idle(self, i, loop.create_future())
        try:
            await asyncio.wait_for(loop.create_connection(lambda: p, self.host, self.port),
                                   CONNECT_TIMEOUT)
            p.ask(b"ECHO\n", b"o%d\n" % i)
            await asyncio.wait_for(p.answered, CONNECT_TIMEOUT)
            self.idle[i] = p
        except Exception as e:
            p.lost("at open: %s: %s" % (type(e).__name__, e))

    async def idle_round(self, what):
        """A byte out on every live idle connection and back within timeout seconds; those that
        fail are lost. Returns (answered, asked, milliseconds)."""
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        asked = list(self.idle.values())
        for p in asked:
            p.answered = loop.create_future()
            p.ask(b"", b"x")
        if asked:
            await asyncio.wait([p.answered for p in asked], timeout=self.timeout)
        ok = 0
        for p in asked:
            if p.answered.done() and p.answered.result():
                ok += 1
            else:
                p.lost("%s: no echo within %.0f s" % (what, self.timeout))
        return ok, len(asked), (loop.time() - t0) * 1000

    async def probe_all(self):
        """Probe files STOPFILE.probeN (N = 1, 2, ...): idle_round, and a line on stdout."""
        k = 0
        while self.n_idle and not self.stop.is_set():
            if not os.path.exists("%s.probe%d" % (self.stopfile, k + 1)):
                await asyncio.sleep(0.05)
                continue
            k += 1
            ok, n, ms = await self.idle_round("probe %d" % k)
            print("probe %d %d of %d in %.0f ms" % (k, ok, n, ms), flush=True)

    # --- echo session
    async def echo(self):
        e = self.res["echo"]
        w = None
        try:
            r, w = await self.connect(b"ECHO\n")
            loop = asyncio.get_running_loop()
            i = 0
            nxt = loop.time()
            while not self.stop.is_set():
                msg = b"%08d\n" % i
                t0, wall = loop.time(), time.time()
                w.write(msg)
                got = await asyncio.wait_for(r.readexactly(len(msg)), 30)
                if got != msg:
                    raise ValueError("echo %r for %r" % (got, msg))
                e["rtts"].append((round(wall, 4), round(loop.time() - t0, 5)))
                i += 1
                nxt += self.echo_s
                delay = nxt - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    nxt = loop.time()
        except Exception as ex:
            e["error"] = "%s: %s" % (type(ex).__name__, ex)
        if w:
            w.close()

    # --- new connections
    async def one_new(self, i, n):
        t0 = time.monotonic()
        w = None
        try:
            r, w = await self.connect(b"ECHO\nn%d\n" % i)
            line = await asyncio.wait_for(r.readline(), CONNECT_TIMEOUT)
            if line != b"n%d\n" % i:
                raise ValueError("wrong echo: %r" % line)
            n["ok"] += 1
            n["max_s"] = max(n["max_s"], time.monotonic() - t0)
        except Exception as e:
            n["errors"].append("new %d at %.3f: %s: %s" % (i, time.time(), type(e).__name__, e))
        if w:
            w.close()

    async def new_conns(self):
        n = self.res["new"]
        tasks = []
        loop = asyncio.get_running_loop()
        nxt = loop.time()
        while not self.stop.is_set():
            tasks.append(asyncio.ensure_future(self.one_new(n["started"], n)))
            n["started"] += 1
            nxt += 1 / self.new_per_s
            await asyncio.sleep(max(nxt - loop.time(), 0))
        await asyncio.gather(*tasks)

    async def watch_stop(self):
        while not os.path.exists(self.stopfile):
            await asyncio.sleep(0.1)
        self.stop.set()

    async def run(self):
        sem = asyncio.Semaphore(64)

        async def opener(i):
            async with sem:
                await self.idle_open(i)

        t0 = time.time()
        await asyncio.gather(*(opener(i) for i in range(self.n_idle)))
        tasks = [asyncio.ensure_future(self.download(i)) for i in range(self.n_dl)]
        if self.echo_s > 0:
            tasks.append(asyncio.ensure_future(self.echo()))
        if self.new_per_s > 0:
            tasks.append(asyncio.ensure_future(self.new_conns()))
        await asyncio.sleep(0.5)
        print("ready %d idle open in %.1f s" % (len(self.idle), time.time() - t0), flush=True)
        await asyncio.gather(self.watch_stop(), self.probe_all(), *tasks)
        ok, _, _ = await self.idle_round("at the end")
        self.closing = True
        for p in list(self.idle.values()):
            p.transport.close()
        self.res["idle"] = {"n": self.n_idle, "ok": ok, "errors": self.idle_errors}


class Idle(asyncio.Protocol):
    """An idle connection: it answers when asked (ask), and anything else - data nobody
    asked for, a wrong byte, EOF, a reset - makes it lost."""

    def __init__(self, client, i, answered):
        self.c, self.i, self.answered = client, i, answered
        self.transport = None
        self.expect = b""
        self.buf = b""
        self.gone = False

    def connection_made(self, transport):
        self.transport = transport

    def ask(self, header, expect):
        self.buf, self.expect = b"", expect
        self.transport.write(header + expect)

    def data_received(self, data):
        self.buf += data
        if not self.expect.startswith(self.buf):
            self.lost("unexpected data %r" % self.buf[:16])
        elif self.buf == self.expect:
            self.buf, self.expect = b"", b""
            if not self.answered.done():
                self.answered.set_result(True)

    def connection_lost(self, exc):
        if not self.c.closing:
            self.lost("closed (%s)" % (exc or "EOF"))

    def lost(self, why):
        if self.gone:
            return
        self.gone = True
        self.c.idle.pop(self.i, None)
        self.c.idle_errors.append("idle %d: %s" % (self.i, why))
        if not self.answered.done():
            self.answered.set_result(False)
        if self.transport:
            self.transport.abort()


def client(host, port, out, stopfile, opts):
    raise_fd_limit()
    c = Client(host, port, stopfile, opts)
    asyncio.run(c.run())
    with open(out + ".tmp", "w") as f:
        json.dump(c.res, f)
    os.rename(out + ".tmp", out)


# ---------------------------------------------------------------- report

def pct(sorted_vals, p):
    if not sorted_vals:
        return 0.0
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def report(out, serverlog, marks, label, summary):
    try:
        res = None
        for name in out.split(","):
            with open(name) as f:
                r = json.load(f)
            if res is None:
                res = r
                continue
            res["downloads"] += r["downloads"]
            for k in ("n", "ok"):
                res["idle"][k] += r["idle"][k]
            res["idle"]["errors"] += r["idle"]["errors"]
            if r["echo"]["rtts"] or r["echo"]["error"]:
                res["echo"] = r["echo"]
            for k in ("started", "ok"):
                res["new"][k] += r["new"][k]
            res["new"]["max_s"] = max(res["new"]["max_s"], r["new"]["max_s"])
            res["new"]["errors"] += r["new"]["errors"]
    except (OSError, ValueError, KeyError) as e:
        print("%s: no client result (%s)" % (label, e))
        with open(summary, "a") as s:
            s.write("%s error - - - - - - - - -\n" % label)
        return
    sent = {}
    try:
        with open(serverlog) as f:
            for line in f:
                p = line.split()
                if len(p) >= 5 and p[0] == "dl":
                    sent[int(p[1])] = (int(p[3]), p[4])
    except OSError:
        pass
    bad = []
    dl_bad = 0
    for d in res["downloads"]:
        why = d["error"]
        if not why:
            if d["id"] not in sent:
                why = "the server logged no end"
            elif sent[d["id"]] != (d["bytes"], d["sha"]):
                why = "received %d bytes sha256 %.12s, sent %d sha256 %.12s" % (
                    d["bytes"], d["sha"], sent[d["id"]][0], sent[d["id"]][1])
        if why:
            dl_bad += 1
            bad.append("download %d: %s" % (d["id"], why))
    idle = res["idle"]
    idle_bad = idle["n"] - idle["ok"]
    bad += idle["errors"][:5]
    echo = res["echo"]
    echo_bad = 1 if echo.get("error") else 0
    if echo_bad:
        bad.append("echo session: %s" % echo["error"])
    new = res["new"]
    new_bad = new["started"] - new["ok"]
    bad += new["errors"][:5]
    lost = dl_bad + idle_bad + echo_bad + new_bad

    rtts = echo.get("rtts", [])
    vals = sorted(r for _, r in rtts)
    p50, p99, mx = pct(vals, 50) * 1000, pct(vals, 99) * 1000, (vals[-1] if vals else 0) * 1000
    # the longest time between two answers: what an interactive user sees as a freeze
    gap = 0.0
    done = [t + r for t, r in rtts]
    for a, b in zip(done, done[1:]):
        gap = max(gap, b - a)
    gap *= 1000

    print("%s: %d of %d downloads byte-identical (%d MiB), %d of %d idle connections answer, "
          "%d of %d new connections (slowest %.1f s), echo %d round trips%s" % (
              label, len(res["downloads"]) - dl_bad, len(res["downloads"]),
              sum(d["bytes"] for d in res["downloads"]) >> 20, idle["ok"], idle["n"],
              new["ok"], new["started"], new["max_s"], len(rtts),
              " (error: %s)" % echo["error"] if echo_bad else ""))
    dl_pause = max([d["max_gap"] for d in res["downloads"]] or [0]) * 1000
    print("%s: echo round trip p50 %.1f ms, p99 %.1f ms, max %.0f ms; longest gap between "
          "answers %.0f ms; longest pause of a download %.0f ms; connections lost: %d" % (
              label, p50, p99, mx, gap, dl_pause, lost))
    # the stall around each fault: the slowest round trip sent from its mark to the next
    try:
        with open(marks) as f:
            ms = [(float(a), b) for a, b in (ln.split(None, 1) for ln in f if ln.strip())]
    except OSError:
        ms = []
    for k, (t0, name) in enumerate(ms):
        t1 = ms[k + 1][0] if k + 1 < len(ms) else float("inf")
        w = [r for t, r in rtts if t0 <= t < t1]
        if w:
            print("%s:   %-40s echo max %6.0f ms (%d round trips)" % (
                label, name.strip(), max(w) * 1000, len(w)))
    for b in bad[:12]:
        print("%s: lost: %s" % (label, b))
    with open(summary, "a") as s:
        s.write("%s %d %d %d %d %d %d %.1f %.1f %.0f %.0f\n" % (
            label, lost, dl_bad, idle_bad, echo_bad, new_bad, new["started"], p50, p99, mx, gap))


def walk(o, path=""):
    if isinstance(o, dict):
        for k, v in o.items():
            p = path + "." + k if path else k
            yield p, k, v
            yield from walk(v, p)
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from walk(v, "%s.%d" % (path, i))


def sync_info(name):
    try:
        with open(name) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print("unknown\nnot JSON: %s" % e)
        sys.exit(1)
    state = next((v for _, k, v in walk(doc) if k in ("state", "sync_state")
                  and isinstance(v, str)), "unknown")
    print(state)
    lag = ["%s=%s" % (p, v) for p, _, v in walk(doc) if "lag" in p.lower()
           and not isinstance(v, (dict, list))]
    print(" ".join(lag) if lag else "no lag member: " + json.dumps(doc, separators=(",", ":")))


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "server":
        server(int(a[1]), a[2])
    elif len(a) >= 5 and a[0] == "client":
        client(a[1], int(a[2]), a[3], a[4], dict(kv.split("=", 1) for kv in a[5:]))
    elif len(a) == 6 and a[0] == "report":
        report(*a[1:])
    elif len(a) == 2 and a[0] == "sync":
        sync_info(a[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
