#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Abusive clients of tcpfwd's control socket, for test_ctl_abuse.sh.

usage: ctl_abuse.py COMMAND ARGS...

  malformed SOCK MAX_REQUEST
        one connection per malformed message (oversized, not JSON, not an object, wrong
        member and parameter types, unknown or missing method, NUL byte, bad UTF-8...): each
        must get the error reply ctl_proto.h defines (name and offending parameter), and a
        well-formed call on a new connection must be answered after each one
  slow SOCK IDLE_S MAX_CLIENTS
        a silent client, a client that sends one byte and then waits longer than IDLE_S, and
        MAX_CLIENTS-2 "slowloris" clients that send a call one byte every IDLE_S/4 (so they are
        never silent for IDLE_S, but their call would take ~10*IDLE_S): when each is closed
  many SOCK N MAX_CLIENTS IDLE_S PID
        N connections at once (RLIMIT_NOFILE raised): how many tcpfwd keeps (at most
        MAX_CLIENTS), how fast it refuses the others (io.tcpfw.Busy), its fd count (/proc/PID/fd)
        meanwhile, that the kept ones are closed after IDLE_S, and that it answers afterwards
  reader SOCK PID SECONDS BOUND_MB
        a client that pipelines Stats.Get calls for SECONDS and never reads the replies:
        tcpfwd's memory (VmRSS of PID) must grow by less than BOUND_MB, and be given back
        once the client is gone
  identity SOCK SPOOF_DIR SPORT
        run as a member of control.group only: admin calls claiming another identity in every
        way the JSON allows (and a client socket bound to a ";uid=0;" path, SCM_CREDENTIALS):
        each must be refused, none may run
  logflood SOCK N
        run as a member of control.group only: N refused Flush calls in one stream (replies
        read); prints "count flood N" once every one was answered PermissionDenied
  refused SOCK eacces|daemon
        run as a uid outside the socket's group: eacces, connect() fails with EACCES (the file
        system); daemon (socket made 0666), tcpfwd answers only io.tcpfw.PermissionDenied
  echo DST PORT OUT STOPFILE INTERVAL_MS
        one TCP connection to tcp_server.py's echo mode; every INTERVAL_MS a 32-byte message,
        its round-trip time appended to OUT as "EPOCH_S RTT_MS", until STOPFILE exists; then a
        clean close. Exit 1 on a stall (no echo in 5 s), a garbled echo or a failed close.
  latency SAMPLES PHASES MAX_MS
        SAMPLES from echo, PHASES lines "NAME START END" (epoch seconds): samples, median, p99
        and max RTT per phase; every RTT must be below MAX_MS and each phase must have samples

Output: "ok MSG" and "bad MSG" lines are checks, "xfail MSG|BUG" a check that fails because of
a known bug, "xpass MSG" one that passes although it was expected to fail, "info MSG" figures,
"count NAME N" a number the test script compares with tcpfwd's log.
"""
import errno
import json
import os
import resource
import selectors
import socket
import statistics
import struct
import sys
import time

E_JSON = "io.tcpfw.InvalidJson"
E_LARGE = "io.tcpfw.MessageTooLarge"
E_METHOD = "org.varlink.service.MethodNotFound"
E_PARAM = "org.varlink.service.InvalidParameter"
E_PERM = "io.tcpfw.PermissionDenied"
E_BUSY = "io.tcpfw.Busy"

VERSION_CALL = b'{"method":"io.tcpfw.Daemon.Version"}\0'


def ok(msg):
    print("ok " + msg, flush=True)


def bad(msg):
    print("bad " + msg, flush=True)


def info(msg):
    print("info " + msg, flush=True)


def check(cond, msg):
    (ok if cond else bad)(msg)
    return cond


def short(b, n=70):
    r = repr(b)
    return r if len(r) <= n else r[:n] + "...'"


# ---- one client ----

class Client:
    """A control connection that sends raw bytes and collects NUL-framed replies."""

    def __init__(self, path, bind=None):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if bind:
            self.s.bind(bind)
        self.s.settimeout(5)
        self.s.connect(path)
        self.buf = b""
        self.closed = False  # EOF or ECONNRESET seen

    def send(self, data):
        """Sends all of data; False if tcpfwd closed the connection meanwhile."""
        try:
            self.s.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def replies(self, n, timeout=5.0):
        """Up to n replies (dicts, or the raw bytes of a reply that is not JSON) within
        timeout; stops early at EOF."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < n:
            while b"\0" in self.buf and len(out) < n:
                msg, self.buf = self.buf.split(b"\0", 1)
                try:
                    out.append(json.loads(msg.decode()))
                except ValueError:
                    out.append(msg)
            if len(out) >= n or self.closed or not self.receive(deadline):
                break
        return out

    def wait_closed(self, timeout):
        """True once tcpfwd closed the connection (EOF or reset) within timeout."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            if not self.receive(deadline):
                return False
        return True

    def receive(self, deadline):
        """Adds what arrives before deadline to buf, or notes EOF or a reset; False when
        nothing came in time."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.s.settimeout(left)
        try:
            d = self.s.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            d = b""
        if not d:
            self.closed = True
        self.buf += d
        return True

    def close(self):
        self.s.close()


def error_of(reply):
    """(error name, parameter, message) of an error reply; None for anything else."""
    if not isinstance(reply, dict) or not isinstance(reply.get("error"), str):
        return None
    p = reply.get("parameters", {})
    if not isinstance(p, dict):
        p = {}
    return reply["error"], p.get("parameter"), p.get("message")


def printable(s):
    return isinstance(s, str) and s != "" and all(0x20 <= ord(ch) < 0x7f for ch in s)


def version_works(path):
    """A well-formed call on a new connection is answered: the version string, or why not."""
    try:
        c = Client(path)
        c.send(VERSION_CALL)
        r = c.replies(1)
        c.close()
    except OSError as e:
        return False, "connect/send: %s" % e
    if r and isinstance(r[0], dict) and isinstance(r[0].get("parameters", {}).get("version"), str):
        return True, r[0]["parameters"]["version"]
    return False, "reply %s" % short(r, 200)


# ---- malformed ----

def call(method, params=None, **extra):
    o = {"method": method}
    if params is not None:
        o["parameters"] = params
    o.update(extra)
    return json.dumps(o).encode() + b"\0"


def malformed_cases(max_req):
    """(what, bytes, [expected replies], connection closed afterwards). An expected reply is
    (error, parameter or None) or a set of such alternatives; ("ok", None) a result."""
    ver = '{"method":"io.tcpfw.Daemon.Version"'
    exact = (ver + " " * (max_req - len(ver) - 1) + "}").encode()
    assert len(exact) == max_req
    big = b'{"method":"io.tcpfw.Daemon.Version","parameters":{"pad":"' + b"A" * (4 * max_req)
    deep = 2000 if max_req >= 4200 else (max_req - 60) // 2
    j = E_JSON, None
    return [
        # size
        ("a call of exactly control.max_request bytes", exact + b"\0", [("ok", None)], False),
        ("one byte over control.max_request", exact[:-1] + b" }\0", [(E_LARGE, None)], True),
        ("4x control.max_request, NUL at the end", big + b'"}}\0', [(E_LARGE, None)], True),
        ("4x control.max_request, never a NUL", big, [(E_LARGE, None)], True),
        # not JSON
        ("text that is not JSON", b"hello tcpfwd\0", [j], False),
        ("binary bytes 0x01..0xff", bytes(range(1, 256)) + b"\0", [j], False),
        ("an empty message", b"\0", [j], False),
        ("a truncated object", ver.encode() + b"\0", [j], False),
        ("two objects in one message", (ver + "}" + ver + "}").encode() + b"\0", [j], False),
        ("a duplicated key (Version, then Flush)",
         b'{"method":"io.tcpfw.Daemon.Version","method":"io.tcpfw.Flows.Flush"}\0', [j], False),
        ("an integer too big for JSON", call("io.tcpfw.Flows.Count")[:-2] +
         b',"parameters":{"sport":123456789012345678901234567890}}\0', [j], False),
        ("a raw control character in a string",
         b'{"method":"io.tcpfw.Daemon.Version\n"}\0', [j], False),
        # JSON, but not the call object
        ("a JSON array", b'["io.tcpfw.Daemon.Version"]\0', [j], False),
        ("a JSON number", b"42\0", [j], False),
        ("a JSON string", b'"io.tcpfw.Daemon.Version"\0', [j], False),
        ("JSON null", b"null\0", [j], False),
        ("JSON true", b"true\0", [j], False),
        # NUL bytes: a NUL ends a message, so one inside splits the call in two bad ones
        ("a NUL byte inside the method name",
         b'{"method":"io.tcpfw.Dae\0mon.Version"}\0', [j, j], False),
        ("a NUL byte as \\u0000 in a string",
         b'{"method":"io.tcpfw.Daemon.Version\\u0000"}\0', [j], False),
        # UTF-8
        ("invalid UTF-8 (0xff) in a string",
         b'{"method":"io.tcpfw.Daemon.Version\xff"}\0', [j], False),
        ("an overlong UTF-8 encoding (0xc0 0xaf)",
         b'{"method":"io.tcpfw.Daemon.\xc0\xafVersion"}\0', [j], False),
        ("a lone UTF-8 continuation byte", b'{"method":"\x80io.tcpfw.Daemon.Version"}\0', [j],
         False),
        ("a UTF-16 surrogate encoded in UTF-8", b'{"method":"\xed\xa0\x80"}\0', [j], False),
        ("a lone surrogate escape \\ud800", b'{"method":"\\ud800"}\0', [j], False),
        ("invalid UTF-8 in a key", b'{"\xfe\xfe":1,"method":"io.tcpfw.Daemon.Version"}\0', [j],
         False),
        ("a UTF-8 byte order mark before the object", b"\xef\xbb\xbf" + VERSION_CALL, [j], False),
        # members of the call
        ("no method (empty object)", b"{}\0", [(E_PARAM, "method")], False),
        ("no method, only parameters", b'{"parameters":{}}\0', [(E_PARAM, "method")], False),
        ("method is a number", b'{"method":5}\0', [(E_PARAM, "method")], False),
        ("method is null", b'{"method":null}\0', [(E_PARAM, "method")], False),
        ("method is an array", b'{"method":["io.tcpfw.Daemon.Version"]}\0',
         [(E_PARAM, "method")], False),
        ("an unknown method", call("io.tcpfw.No.Such"), [(E_METHOD, None)], False),
        ("a method name in upper case", call("IO.TCPFW.DAEMON.VERSION"), [(E_METHOD, None)],
         False),
        ("a method name with a terminal escape", call("io.tcpfw.\x1b[2J\x07"),
         [(E_METHOD, None)], False),
        ("more is a string", call("io.tcpfw.Flows.List", more="yes"), [(E_PARAM, "more")],
         False),
        ("parameters is an array", call("io.tcpfw.Stats.Get", []), [(E_PARAM, "parameters")],
         False),
        ("parameters is a string", call("io.tcpfw.Stats.Get", "x"), [(E_PARAM, "parameters")],
         False),
        ("an unknown member (oneway)", call("io.tcpfw.Daemon.Version", oneway=True),
         [(E_PARAM, "oneway")], False),
        # parameters
        ("sport is a string", call("io.tcpfw.Flows.Count", {"sport": "80"}),
         [(E_PARAM, "sport")], False),
        ("sport is a float", call("io.tcpfw.Flows.Count", {"sport": 80.5}),
         [(E_PARAM, "sport")], False),
        ("sport above 65535", call("io.tcpfw.Flows.Count", {"sport": 70000}),
         [(E_PARAM, "sport")], False),
        ("dport negative", call("io.tcpfw.Flows.Count", {"dport": -1}), [(E_PARAM, "dport")],
         False),
        ("src is a number", call("io.tcpfw.Flows.List", {"src": 5}), [(E_PARAM, "src")], False),
        ("src is not an address", call("io.tcpfw.Flows.List", {"src": "192.0.2.300"}),
         [(E_PARAM, "src")], False),
        ("family ipv5", call("io.tcpfw.Flows.List", {"family": "ipv5"}),
         [(E_PARAM, "family")], False),
        ("states is a string", call("io.tcpfw.Flows.List", {"states": "ESTABLISHED"}),
         [(E_PARAM, "states")], False),
        ("states has an unknown name", call("io.tcpfw.Flows.List", {"states": ["LISTEN"]}),
         [(E_PARAM, "states")], False),
        ("states nested %d deep" % deep, ('{"method":"io.tcpfw.Flows.List","parameters":'
                                          '{"states":' + "[" * deep + "]" * deep + "}}").encode()
         + b"\0", [{(E_PARAM, "states"), (E_JSON, None)}], False),
        ("an unknown parameter", call("io.tcpfw.Stats.Get", {"x": 1}), [(E_PARAM, "x")], False),
        ("Get without its tuple", call("io.tcpfw.Flows.Get", {}), [(E_PARAM, "src")], False),
        ("Params.Get name is a number", call("io.tcpfw.Params.Get", {"name": 5}),
         [(E_PARAM, "name")], False),
        ("Params.Set value is an object",
         call("io.tcpfw.Params.Set", {"name": "tcp.time_wait.shortened", "value": {"a": 1}}),
         [(E_PARAM, "value")], False),
        ("Params.Set without a value",
         call("io.tcpfw.Params.Set", {"name": "tcp.time_wait.shortened"}),
         [(E_PARAM, "value")], False),
        ("Watch without more", call("io.tcpfw.Events.Watch", {}), [(E_PARAM, "more")], False),
    ]


def match(reply, want):
    """True if reply is what want (one (error, parameter) or a set of them) describes."""
    alts = want if isinstance(want, set) else {want}
    for err, param in alts:
        if err == "ok":
            if isinstance(reply, dict) and "error" not in reply and "parameters" in reply:
                return True
            continue
        e = error_of(reply)
        if e and e[0] == err and (param is None or e[1] == param) and printable(e[2]):
            return True
    return False


def describe(reply):
    e = error_of(reply)
    if e:
        return "%s%s: %s" % (e[0], " (%s)" % e[1] if e[1] else "", e[2])
    return short(reply, 100)


def cmd_malformed(path, max_req):
    max_req = int(max_req)
    n_ok = 0
    cases = malformed_cases(max_req)
    for what, data, want, closes in cases:
        try:
            c = Client(path)
        except OSError as e:
            bad("%s: cannot connect: %s" % (what, e))
            continue
        sent = c.send(data)
        got = c.replies(len(want))
        good = len(got) == len(want) and all(match(r, w) for r, w in zip(got, want))
        if closes:
            shut = c.wait_closed(3)
            good = good and shut
        c.close()
        works, ver = version_works(path)
        shown = "; ".join(describe(r) for r in got) or "no reply"
        if good and works:
            n_ok += 1
            ok("%s (%d bytes%s): %s%s; a new connection is answered" %
               (what, len(data), "" if sent else ", rest refused", shown,
                ", then closed" if closes else ""))
        else:
            bad("%s: sent %s, want %s%s, got %s%s; new connection: %s" %
                (what, short(data), want, " and a close" if closes else "", shown,
                 " (still open)" if closes and not c.closed else "", ver))
    info("malformed: %d of %d cases answered as defined" % (n_ok, len(cases)))


# ---- slow ----

SLOW_CALL = b'{"method":"io.tcpfw.Daemon.Status","parameters":{}}\0'


def cmd_slow(path, idle_s, max_clients):
    idle = float(idle_s)
    max_clients = int(max_clients)
    # the bound: tcpfwd checks idle clients every 50 ms, plus scheduling on a loaded machine
    bound = idle + 1.0
    loris_gap = idle / 4
    window = 2 * idle + 1.0  # how long the slowloris clients are given to be cut off
    sel = selectors.DefaultSelector()
    t0 = time.monotonic()

    silent = Client(path)
    silent.t_last = time.monotonic()
    trickle = Client(path)
    trickle.send(SLOW_CALL[:1])
    trickle.t_last = time.monotonic()
    trickle.sent = 1
    lorises = []

    def add_loris():
        c = Client(path)
        c.send(SLOW_CALL[:1])
        c.sent = 1
        c.t_last = c.t_start = time.monotonic()
        c.t_closed = None
        lorises.append(c)

    for _ in range(max_clients - 2):
        add_loris()
    for c in [silent, trickle] + lorises:
        c.s.setblocking(False)
        sel.register(c.s, selectors.EVENT_READ, c)
    info("slow: a silent client, a one-byte client (next byte after %.2f s) and %d slowloris "
         "clients (a byte every %.2f s) connected" % (idle + 0.75, len(lorises), loris_gap))

    t_silent = t_trickle = None
    refilled = False
    while time.monotonic() - t0 < window:
        now = time.monotonic()
        # the one-byte client would send its second byte idle + 0.75 s after the first
        if t_trickle is None and now - trickle.t_last >= idle + 0.75:
            trickle.sent += trickle.send(SLOW_CALL[1:2])
            trickle.t_last = now
        for c in lorises:
            if c.t_closed is None and now - c.t_last >= loris_gap and c.sent < len(SLOW_CALL):
                if c.send(SLOW_CALL[c.sent:c.sent + 1]):
                    c.sent += 1
                c.t_last = now
        for key, _ in sel.select(0.02):
            c = key.data
            try:
                d = c.s.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                d = b""
            c.buf += d
            if d:
                continue
            sel.unregister(c.s)
            c.closed = True
            t = time.monotonic()
            if c is silent:
                t_silent = t
            elif c is trickle:
                t_trickle = t
            else:
                c.t_closed = t
        # once the first two are gone, fill their slots too: every slot is a slowloris
        if not refilled and t_silent and t_trickle:
            refilled = True
            for _ in range(2):
                add_loris()
                lorises[-1].s.setblocking(False)
                sel.register(lorises[-1].s, selectors.EVENT_READ, lorises[-1])

    # the silent client: closed after idle, not before
    if t_silent is None:
        bad("silent client still connected after %.1f s (control.idle_timeout %g s)" %
            (window, idle))
    else:
        dt = t_silent - silent.t_last
        check(idle - 0.1 <= dt <= bound and silent.buf == b"",
              "silent client closed after %.2f s, no reply (window %.2f..%.2f s from "
              "control.idle_timeout %g s)" % (dt, idle - 0.1, bound, idle))
    # the one-byte client: closed idle after its byte, before its second one
    if t_trickle is None:
        bad("client silent for %.2f s after one byte still connected" % (idle + 0.75))
    else:
        dt = t_trickle - trickle.t_last
        check(idle - 0.1 <= dt <= bound and trickle.sent == 1 and trickle.buf == b"",
              "one-byte client closed %.2f s after its byte, before its next one (sent %d "
              "byte, window %.2f..%.2f s)" % (dt, trickle.sent, idle - 0.1, bound))
    # slowloris: never silent for idle, but the call is far from complete
    cut = [c for c in lorises if c.t_closed is not None]
    first_batch = lorises[:max_clients - 2]
    sent = [c.sent for c in first_batch]
    info("slow: after %.1f s the first %d slowloris clients sent %d..%d of %d bytes each; "
         "%d of %d slowloris clients were closed by tcpfwd" %
         (window, len(first_batch), min(sent), max(sent), len(SLOW_CALL), len(cut),
          len(lorises)))
    busy_ok, busy = version_works(path)
    check(len(cut) == len(lorises) and all(c.t_closed - c.t_start <= window for c in cut),
          "slowloris clients (a byte every %.2f s, call incomplete) closed within %.1f s: %d "
          "of %d; with every slot taken a new client got %s" %
          (loris_gap, window, len(cut), len(lorises),
           "a version reply" if busy_ok else busy))
    for c in lorises:
        c.close()
    # they are gone: the daemon answers again (retry a moment: closes are processed async)
    deadline = time.monotonic() + 3
    while True:
        works, ver = version_works(path)
        if works or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    check(works, "after the slow clients left a new connection is answered (%s)" % ver)


# ---- a client that never reads ----

def rss_kb(pid):
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def cmd_reader(path, pid, seconds, bound_mb):
    seconds, bound_kb = float(seconds), int(bound_mb) * 1024
    call_b = b'{"method":"io.tcpfw.Stats.Get"}\0'
    batch = call_b * 256
    before = rss_kb(pid)
    peak = before
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the replies pile up in tcpfwd
    s.connect(path)
    s.setblocking(False)
    sent = 0
    blocked = 0.0
    closed = ""
    t0 = time.monotonic()
    t_rss = 0.0
    view = b""
    while time.monotonic() - t0 < seconds:
        if not view:
            view = batch
        try:
            n = s.send(view)
            sent += n
            view = view[n:]
        except BlockingIOError:
            t = time.monotonic()
            select_w(s, 0.05)
            blocked += time.monotonic() - t
        except (BrokenPipeError, ConnectionResetError) as e:
            closed = " (tcpfwd closed the connection: %s)" % e.strerror
            break
        if time.monotonic() - t_rss > 0.05:
            peak = max(peak, rss_kb(pid))
            t_rss = time.monotonic()
    peak = max(peak, rss_kb(pid))
    dur = time.monotonic() - t0
    calls = sent // len(call_b)
    info("reader: %d Stats.Get calls (%d bytes) pipelined in %.1f s without reading, send "
         "blocked %.1f s%s; tcpfwd VmRSS %d kB before, peak %d kB" %
         (calls, sent, dur, blocked, closed, before, peak))
    msg = ("tcpfwd's memory with a client that never reads: +%d kB (bound %d kB)" %
           (peak - before, bound_kb))
    check(peak - before <= bound_kb, msg)
    s.close()
    deadline = time.monotonic() + 3
    while rss_kb(pid) > before + 8192 and time.monotonic() < deadline:
        time.sleep(0.05)
    after = rss_kb(pid)
    check(0 < after <= before + 8192,
          "tcpfwd gives the memory back once the client is gone: VmRSS %d kB" % after)
    works, ver = version_works(path)
    check(works, "after the non-reading client a new connection is answered (%s)" % ver)


def select_w(s, timeout):
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_WRITE)
    sel.select(timeout)
    sel.close()


# ---- many ----

def fd_count(pid):
    try:
        return len(os.listdir("/proc/%s/fd" % pid))
    except OSError:
        return -1


def cmd_many(path, n, max_clients, idle_s, pid):
    n, max_clients, idle = int(n), int(max_clients), float(idle_s)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    base = fd_count(pid)
    fds = [base]
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        socks.append(s)
    st = {}  # fd -> dict(t_conn, t_closed, data)
    pending = list(socks)
    eagain = 0
    other_err = {}

    def pump(timeout):
        for key, _ in sel.select(timeout):
            s = key.fileobj
            e = st[s]
            try:
                d = s.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                d = b""
            e["data"] += d
            if not d:
                sel.unregister(s)
                e["t_closed"] = time.monotonic()

    t0 = time.monotonic()
    t_fd = 0.0
    while pending and time.monotonic() - t0 < 3.0:
        retry = []
        for s in pending:
            r = s.connect_ex(path)
            if r == 0 or r == errno.EISCONN:
                st[s] = {"t_conn": time.monotonic(), "t_closed": None, "data": b""}
                sel.register(s, selectors.EVENT_READ)
            elif r in (errno.EAGAIN, errno.EWOULDBLOCK):
                eagain += 1
                retry.append(s)
            else:
                other_err[errno.errorcode.get(r, r)] = other_err.get(errno.errorcode.get(r, r),
                                                                     0) + 1
            if time.monotonic() - t_fd > 0.01:
                fds.append(fd_count(pid))
                t_fd = time.monotonic()
        pending = retry
        pump(0.001)
    t_flood = time.monotonic() - t0
    connected = len(st)
    # a moment for tcpfwd to answer the last ones
    t_end = time.monotonic() + 0.5
    while time.monotonic() < t_end:
        pump(0.01)
        fds.append(fd_count(pid))
    kept = [s for s in st if st[s]["t_closed"] is None]
    refused = [s for s in st if st[s]["t_closed"] is not None]
    busy = [s for s in refused if match(split1(st[s]["data"]), (E_BUSY, None))]
    lat = sorted(st[s]["t_closed"] - st[s]["t_conn"] for s in refused)
    info("many: %d connections attempted in %.2f s: %d accepted by the kernel, %d connect() "
         "EAGAIN retries (listen backlog full)%s" %
         (n, t_flood, connected, eagain, ", other errors %r" % other_err if other_err else ""))
    info("many: %d kept open by tcpfwd, %d refused with io.tcpfw.Busy and closed, %d closed "
         "otherwise" % (len(kept), len(busy), len(refused) - len(busy)))
    check(connected == n and not other_err,
          "all %d connections got through connect() within %.2f s (%d EAGAIN retries)" %
          (n, t_flood, eagain))
    check(0 < len(kept) <= max_clients,
          "tcpfwd keeps %d clients, control.max_clients %d" % (len(kept), max_clients))
    check(len(busy) == len(refused) and len(refused) + len(kept) == connected,
          "every connection beyond the bound got io.tcpfw.Busy and was closed (%d)" %
          len(busy))
    if lat:
        check(lat[-1] <= 1.0,
              "refusals are prompt: connect to close median %.1f ms, max %.1f ms (bound 1000)" %
              (1000 * lat[len(lat) // 2], 1000 * lat[-1]))
    fmax = max(fds)
    check(0 < base and fmax <= base + max_clients + 2,
          "tcpfwd's fd count stays bounded: %d before, at most %d during the flood of %d "
          "(bound %d + %d + 2)" % (base, fmax, n, base, max_clients))
    # while every slot is taken, one more client is refused at once, with a reason
    t = time.monotonic()
    try:
        c = Client(path)
        c.send(VERSION_CALL)
        r = c.replies(1, 2)
        shut = c.wait_closed(2)
        c.close()
        check(len(r) == 1 and match(r[0], (E_BUSY, None)) and shut,
              "with %d clients kept, one more gets %s and is closed within %.1f ms" %
              (len(kept), describe(r[0]) if r else "no reply", 1000 * (time.monotonic() - t)))
    except OSError as e:
        bad("one more client during the flood: %s" % e)
    # the kept ones send nothing: closed after idle_timeout, not before
    t_end = max(st[s]["t_conn"] for s in kept) + idle + 1.5 if kept else time.monotonic()
    while time.monotonic() < t_end and any(st[s]["t_closed"] is None for s in kept):
        pump(0.02)
    left = [s for s in kept if st[s]["t_closed"] is None]
    idle_dt = sorted(st[s]["t_closed"] - st[s]["t_conn"] for s in kept
                     if st[s]["t_closed"] is not None)
    if idle_dt:
        check(not left and idle - 0.1 <= idle_dt[0] and idle_dt[-1] <= idle + 1.0 and
              all(st[s]["data"] == b"" for s in kept),
              "the %d kept idle clients were closed %.2f..%.2f s after connecting, no reply "
              "(control.idle_timeout %g s, bound %.1f s)%s" %
              (len(kept), idle_dt[0], idle_dt[-1], idle, idle + 1.0,
               "; %d still open" % len(left) if left else ""))
    else:
        bad("none of the %d kept clients was closed within %.1f s" % (len(kept), idle + 1.5))
    for s in socks:
        s.close()
    deadline = time.monotonic() + 3
    while fd_count(pid) > base and time.monotonic() < deadline:
        time.sleep(0.02)
    after = fd_count(pid)
    check(after <= base, "tcpfwd's fd count after the flood: %d (before %d)" % (after, base))
    works, ver = version_works(path)
    check(works, "after the flood a new connection is answered (%s)" % ver)
    info("figures: fds before=%d max=%d after=%d; kept=%d busy=%d eagain_retries=%d "
         "flood_s=%.2f" % (base, fmax, after, len(kept), len(busy), eagain, t_flood))


def split1(data):
    """The first NUL-framed reply in data, parsed; None if there is none."""
    if b"\0" not in data:
        return None
    try:
        return json.loads(data.split(b"\0", 1)[0].decode())
    except ValueError:
        return None


# ---- identity ----

ADMIN_CALLS = [
    # (name, method, parameters) of schema-valid admin calls
    ("Flows.Kill of the echo flow", "io.tcpfw.Flows.Kill", None),  # filled in with SPORT
    ("Flows.Flush", "io.tcpfw.Flows.Flush", {}),
    ("Params.Set", "io.tcpfw.Params.Set", {"name": "tcp.time_wait.shortened", "value": 3}),
    ("Daemon.Reload", "io.tcpfw.Daemon.Reload", {}),
]

CLAIMS = [
    ("uid", 0), ("user", "root"), ("admin", True), ("gid", 0), ("groups", [0]), ("pid", 1),
    ("role", "admin"), ("credentials", {"uid": 0, "gid": 0, "pid": 1}),
]


def one_call(path, data, n=1, bind=None):
    c = Client(path, bind=bind)
    c.send(data)
    r = c.replies(n)
    c.close()
    return r


def cmd_identity(path, spoof_dir, sport):
    sport = int(sport)
    calls = [(w, m, {"sport": sport} if p is None else p) for w, m, p in ADMIN_CALLS]
    info("identity: uid %d gid %d groups %s" % (os.getuid(), os.getgid(), os.getgroups()))
    n = denied = 0

    def expect(what, got, want):
        nonlocal n, denied
        n += 1
        denied += sum(1 for r in got if match(r, (E_PERM, None)))
        check(len(got) == len(want) and all(match(r, w) for r, w in zip(got, want)),
              "%s: %s" % (what, "; ".join(describe(r) for r in got) or "no reply"))

    # the member may call read-only methods: the positive control
    r = one_call(path, call("io.tcpfw.Flows.Count", {"sport": sport}))
    check(len(r) == 1 and isinstance(r[0], dict) and
          r[0].get("parameters", {}).get("count") == 1,
          "member: Flows.Count of the echo flow is answered (%s)" % short(r, 100))
    for what, m, p in calls:
        expect("member, plain %s" % what, one_call(path, call(m, p)), [(E_PERM, None)])
        expect("member, %s with \"more\":true" % what, one_call(path, call(m, p, more=True)),
               [(E_PERM, None)])
        # claims at the top level: no such member in a call
        for k, v in CLAIMS:
            expect("member, %s claiming %s=%s at the top level" % (what, k, json.dumps(v)),
                   one_call(path, call(m, p, **{k: v})), [{(E_PERM, None), (E_PARAM, k)}])
        # claims inside parameters
        for k, v in CLAIMS[:4]:
            q = dict(p)
            q[k] = v
            expect("member, %s claiming %s=%s in parameters" % (what, k, json.dumps(v)),
                   one_call(path, call(m, q)), [{(E_PERM, None), (E_PARAM, k)}])
    # every claim at once, and a method name spelled with an escape (it is Flush after decoding)
    q = {"sport": sport}
    q.update(dict(CLAIMS))
    allc = dict(CLAIMS)
    expect("member, Kill with every claim in parameters and at the top level",
           one_call(path, call("io.tcpfw.Flows.Kill", q, **allc)),
           [{(E_PERM, None)} | {(E_PARAM, k) for k, _ in CLAIMS}])
    expect("member, Flush spelled io.tcpfw.Flows.Fl\\u0075sh",
           one_call(path, b'{"method":"io.tcpfw.Flows.Fl\\u0075sh","parameters":{}}\0'),
           [(E_PERM, None)])
    expect("member, Params.Set of control.admin_group to a group it is in",
           one_call(path, call("io.tcpfw.Params.Set",
                               {"name": "control.admin_group", "value": "x"})),
           [(E_PERM, None)])
    # read-only first, then admin, on one connection and in one write: no escalation
    expect("member, Version then Flush pipelined on one connection",
           one_call(path, VERSION_CALL + call("io.tcpfw.Flows.Flush", {}), 2),
           [("ok", None), (E_PERM, None)])
    # a client socket bound to a path that spells uid 0 (snapd's dirty_sock, CVE-2019-7304)
    bind = os.path.join(spoof_dir, "x;uid=0;gid=0;pid=1;")
    expect("member, Flush from a socket bound to %s" % bind,
           one_call(path, call("io.tcpfw.Flows.Flush", {}), bind=bind), [(E_PERM, None)])
    # SCM_CREDENTIALS: the kernel refuses to forward a uid 0 claim from a non-root sender ...
    c = Client(path)
    creds = struct.pack("3i", os.getpid(), 0, 0)
    try:
        c.s.sendmsg([call("io.tcpfw.Flows.Flush", {})],
                    [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds)])
        bad("sendmsg with SCM_CREDENTIALS uid 0 was accepted by the kernel")
        got = c.replies(1)
        expect("member, Flush with SCM_CREDENTIALS uid 0", got, [(E_PERM, None)])
    except PermissionError:
        ok("sendmsg with SCM_CREDENTIALS uid 0 as uid %d: EPERM from the kernel" % os.getuid())
    c.close()
    # ... and its true credentials as ancillary data change nothing
    c = Client(path)
    creds = struct.pack("3i", os.getpid(), os.getuid(), os.getgid())
    c.s.sendmsg([call("io.tcpfw.Flows.Flush", {})],
                [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds)])
    expect("member, Flush with its own SCM_CREDENTIALS", c.replies(1), [(E_PERM, None)])
    c.close()
    info("identity: %d admin calls checked, %d answered io.tcpfw.PermissionDenied" %
         (n, denied))
    print("count denied %d" % denied, flush=True)


def cmd_logflood(path, n):
    n = int(n)
    c = Client(path)
    data = call("io.tcpfw.Flows.Flush", {}) * n
    got = []
    # write and read at once: tcpfwd answers as it reads
    c.s.setblocking(False)
    view = memoryview(data)
    sel = selectors.DefaultSelector()
    sel.register(c.s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    deadline = time.monotonic() + 20
    buf = b""
    while len(got) < n and time.monotonic() < deadline:
        for _, ev in sel.select(0.5):
            if ev & selectors.EVENT_WRITE and view:
                try:
                    view = view[c.s.send(view):]
                except BlockingIOError:
                    pass
                if not view:
                    sel.modify(c.s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                d = c.s.recv(1 << 20)
                if not d:
                    deadline = 0
                    break
                buf += d
                *msgs, buf = buf.split(b"\0")
                got += msgs
    c.close()
    denied = sum(1 for m in got if match(json.loads(m.decode()), (E_PERM, None)))
    check(denied == n, "member: %d pipelined Flush calls, %d answered PermissionDenied" %
          (n, denied))
    print("count flood %d" % denied, flush=True)


def cmd_refused(path, mode):
    if mode == "eacces":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            bad("uid %d (not in the group) connected to %s" % (os.getuid(), path))
        except PermissionError as e:
            ok("uid %d (not in the group): connect() fails: %s" % (os.getuid(), e.strerror))
        except OSError as e:
            bad("uid %d: connect() fails, but not with EACCES: %s" % (os.getuid(), e))
        s.close()
        return
    c = Client(path)
    c.send(VERSION_CALL + call("io.tcpfw.Flows.Flush", {}))
    r = c.replies(3)
    shut = c.wait_closed(3)
    c.close()
    check(len(r) == 1 and match(r[0], (E_PERM, None)) and shut,
          "uid %d (not in the group), socket 0666: only %s, then closed; nothing served" %
          (os.getuid(), "; ".join(describe(x) for x in r) or "no reply"))


# ---- latency ----

def cmd_echo(dst, port, out, stopfile, interval_ms):
    interval = float(interval_ms) / 1000
    s = socket.create_connection((dst, int(port)), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print("connected from port %d" % s.getsockname()[1], flush=True)
    seq = 0
    rc = 0
    with open(out, "w", buffering=1) as f:
        nxt = time.monotonic()
        while not os.path.exists(stopfile):
            seq += 1
            msg = b"%031d\n" % seq
            t_wall = time.time()
            t = time.perf_counter()
            try:
                s.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    d = s.recv(len(msg) - len(got))
                    if not d:
                        raise OSError("EOF")
                    got += d
            except socket.timeout:
                print("stall: no echo of message %d within 5 s" % seq, flush=True)
                rc = 1
                break
            except OSError as e:
                print("error at message %d: %s" % (seq, e), flush=True)
                rc = 1
                break
            rtt = (time.perf_counter() - t) * 1000
            if got != msg:
                print("garbled echo of message %d: %r" % (seq, got), flush=True)
                rc = 1
                break
            f.write("%.6f %.3f\n" % (t_wall, rtt))
            nxt += interval
            delay = nxt - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                nxt = time.monotonic()
    if rc == 0:
        try:
            s.shutdown(socket.SHUT_WR)
            rest = s.recv(100)
            if rest:
                print("unexpected data after the last echo: %r" % rest, flush=True)
                rc = 1
        except OSError as e:
            print("close: %s" % e, flush=True)
            rc = 1
    s.close()
    print("done: %d messages echoed%s" % (seq if rc == 0 else seq - 1,
                                          "" if rc == 0 else " before the failure"), flush=True)
    sys.exit(rc)


def pct(v, p):
    """p-th percentile (nearest rank) of sorted v."""
    k = max(0, min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]


def cmd_latency(samples, phases, max_ms):
    max_ms = float(max_ms)
    data = []
    with open(samples) as f:
        for line in f:
            t, r = line.split()
            data.append((float(t), float(r)))
    if not check(len(data) > 0, "%d echo round trips recorded" % len(data)):
        return
    with open(phases) as f:
        for line in f:
            name, start, end = line.split()
            start, end = float(start), float(end)
            v = sorted(r for t, r in data if start <= t <= end)
            dur = end - start
            if not check(len(v) >= dur * 20,
                         "latency %s: %d round trips in %.1f s (at least 20/s)" %
                         (name, len(v), dur)):
                continue
            info("latency %-12s n=%5d median=%.3f ms p99=%.3f ms max=%.3f ms (%.1f s)" %
                 (name, len(v), statistics.median(v), pct(v, 99), v[-1], dur))
    worst = max(r for _, r in data)
    check(worst < max_ms, "no echo round trip above %g ms in the whole run (max %.3f ms of %d)" %
          (max_ms, worst, len(data)))


def main():
    cmds = {
        "malformed": (cmd_malformed, 2), "slow": (cmd_slow, 3), "many": (cmd_many, 5),
        "identity": (cmd_identity, 3), "refused": (cmd_refused, 2),
        "reader": (cmd_reader, 4), "logflood": (cmd_logflood, 2), "echo": (cmd_echo, 5),
        "latency": (cmd_latency, 3),
    }
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) - 2 != cmds[sys.argv[1]][1]:
        sys.exit(__doc__)
    cmds[sys.argv[1]][0](*sys.argv[2:])


if __name__ == "__main__":
    main()
