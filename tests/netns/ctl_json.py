#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reads tcpfwctl's JSON output for the netns tests (lib.sh). Never guesses: a key that is
missing, or a value that is not what tcpfwctl documents, is an error on stderr and prints
"missing:KEY", so that a comparison with a number fails instead of reading 0.

usage: ctl_json.py COMMAND ARGS...

  stats-ok                     stdin is a `tcpfwctl -j stats` object: exit 0, else 1
  get FILE KEY                 a counter from a saved `-j stats` object; KEY is a dotted
                               path: verdicts.drop, reasons.new_not_syn, states.TIME_WAIT,
                               destroyed.timeout, created, packets, flows
  delta BEFORE AFTER KEY       AFTER's counter minus BEFORE's
  rose BEFORE AFTER            "reasons.x=+N ..." for every reason but ok that rose
  value FILE KEY...            the values at dotted paths of a saved `-j status` or
                               `-j stats` object, on one line: numbers as they are, booleans
                               as true/false; a number in the path indexes an array
                               (queues.0.waiting)
  flow FILE SRC SPORT DST DPORT [SRC SPORT DST DPORT]...
                               FILE (or - for stdin) is a `tcpfwctl -j list` array: prints,
                               a line a tuple, the flow that SRC:SPORT opened to DST:DPORT as
                               "STATE ID TIMEOUT ASSURED", or NONE
  events FILE                  FILE holds `tcpfwctl -j watch` output (NDJSON): one line an
                               event, "TYPE STATE SRC SPORT DST DPORT ID CAUSE OLD_STATE
                               TIMEOUT TIME", - for what the event lacks; exit 1 at the first
                               line that is not an event object
"""
import ipaddress
import json
import sys

STATS_KEYS = ("verdicts", "reasons", "states", "flows", "created", "destroyed", "enobufs",
              "queues")


def die(msg):
    print("ctl_json.py: " + msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        die("%s: not JSON: %s" % (path, e))


def stats_ok(obj):
    if not isinstance(obj, dict):
        return "not an object"
    missing = [k for k in STATS_KEYS if k not in obj]
    if missing:
        return "no %s" % ", ".join(missing)
    v = obj["verdicts"]
    if not isinstance(v, dict) or not all(isinstance(v.get(k), int) for k in ("accept", "drop")):
        return "verdicts is not {accept: N, drop: N}"
    return None


def at(obj, key):
    """The value at a dotted path (a number indexes an array), or None."""
    cur = obj
    for part in key.split("."):
        if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None
    return cur


def counter(obj, key):
    """The integer at a dotted path, or None."""
    cur = at(obj, key)
    if isinstance(cur, bool) or not isinstance(cur, int):
        return None
    return cur


def value(obj, key):
    """The number, boolean or string at a dotted path as the shell reads it, or
    "missing:KEY"."""
    cur = at(obj, key)
    if isinstance(cur, bool):
        return "true" if cur else "false"
    if isinstance(cur, (int, float, str)):
        return str(cur)
    print("ctl_json.py: no number, boolean or string %s" % key, file=sys.stderr)
    return "missing:" + key


def get_counter(path, key):
    obj = load(path)
    v = counter(obj, key)
    if v is None:
        print("ctl_json.py: %s has no counter %s" % (path, key), file=sys.stderr)
    return v


def same_addr(a, b):
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


def find_flow(flows, src, sport, dst, dport):
    if not isinstance(flows, list):
        die("the flow list is not a JSON array")
    found = None
    for f in flows:
        try:
            if (same_addr(f["src"], src) and f["sport"] == sport and same_addr(f["dst"], dst)
                    and f["dport"] == dport):
                if found is not None:
                    die("two flows with the tuple %s %d %s %d" % (src, sport, dst, dport))
                found = f
        except (KeyError, TypeError):
            die("a flow object lacks src, sport, dst or dport: %r" % (f,))
    return found


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "stats-ok" and not args:
        try:
            obj = json.load(sys.stdin)
        except ValueError as e:
            die("-j stats is not JSON: %s" % e)
        why = stats_ok(obj)
        if why:
            die("-j stats: %s" % why)
    elif cmd == "get" and len(args) == 2:
        v = get_counter(*args)
        print("missing:%s" % args[1] if v is None else v)
    elif cmd == "delta" and len(args) == 3:
        a, b = get_counter(args[0], args[2]), get_counter(args[1], args[2])
        print("missing:%s" % args[2] if a is None or b is None else b - a)
    elif cmd == "rose" and len(args) == 2:
        before, after = load(args[0]).get("reasons", {}), load(args[1]).get("reasons", {})
        print(" ".join("reasons.%s=+%d" % (k, n - before.get(k, 0))
                       for k, n in sorted(after.items())
                       if k != "ok" and n != before.get(k, 0)))
    elif cmd == "events" and len(args) == 1:
        with open(args[0]) as f:
            for n, line in enumerate(f, 1):
                try:
                    ev = json.loads(line)
                    fl = ev["flow"]
                    print(" ".join(str(x) for x in (
                        ev["type"], fl["state"], fl["src"], fl["sport"], fl["dst"], fl["dport"],
                        fl["id"], ev.get("cause", "-"), ev.get("old_state", "-"),
                        fl["timeout"], ev["time"])))
                except (ValueError, KeyError, TypeError) as e:
                    die("%s:%d: not an event object (%s): %r" % (args[0], n, e, line))
    elif cmd == "value" and len(args) >= 2:
        obj = load(args[0])
        print(" ".join(value(obj, k) for k in args[1:]))
    elif cmd == "flow" and len(args) >= 5 and len(args) % 4 == 1:
        flows = load(args[0])
        for i in range(1, len(args), 4):
            f = find_flow(flows, args[i], int(args[i + 1]), args[i + 2], int(args[i + 3]))
            if f is None:
                print("NONE")
            else:
                print("%s %s %s %s" % (f.get("state"), f.get("id"), f.get("timeout"),
                                       "assured" if f.get("assured") else "-"))
    else:
        die(__doc__)


if __name__ == "__main__":
    main(sys.argv)
