#!/usr/bin/env python3
"""Checks `remora export` and `remora stats` output against babeltrace2's
reading of the same trace (tests/export/*.sh call it).

  check_export.py --bt BT.txt [--chrome F.json] [--perfetto-text F.txt]
                  [--stats F.json] [--lost N] [--hostile] [--open-slices N]

BT.txt is `babeltrace2 --clock-seconds TRACE`. Every check that fails is
printed as "FAIL: ..."; the last line is PASS when all held."""
import argparse
import collections
import json
import re
import sys

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


BT_LINE = re.compile(r"^\[(\d+)\.(\d{9})\] \([^)]*\) \S+ ([A-Za-z0-9_]+):([A-Za-z0-9_]+): "
                     r"\{ pid = (\d+), tid = (\d+), level = \d+ \}")


def read_bt(path):
    """Events as (ns, provider, name, pid, tid), in babeltrace2's order."""
    out = []
    with open(path, "rb") as f:
        for raw in f:
            m = BT_LINE.match(raw.decode("utf-8", "replace"))
            if m:
                out.append((int(m[1]) * 10**9 + int(m[2]), m[3], m[4], int(m[5]), int(m[6])))
    return out


SUFFIX = {"B": ("_begin", "_entry"), "E": ("_end", "_exit"), "C": ("_counter",)}


def check_name(where, ph, shown, event):
    """shown is what the export calls an event named `event`, as ph."""
    if ph in ("i", "I"):
        ok = shown == event
    else:
        ok = any(event == shown + s for s in SUFFIX[ph])
    if not ok:
        fail(f"{where}: event {event} exported as {ph} named {shown!r}")


def by_thread_time(rows):
    return sorted(rows, key=lambda r: (r[0], r[3], r[4]))  # stable: file order in ties


def check_nesting(where, seq, open_expected):
    """seq: per (pid, tid) lists of ('B', name) / ('E', name) in order."""
    still_open = 0
    for key, ops in seq.items():
        stack = []
        for ph, name in ops:
            if ph == "B":
                stack.append(name)
            elif not stack:
                fail(f"{where}: thread {key}: an end with no open slice")
            else:
                top = stack.pop()
                if name is not None and name != top:
                    fail(f"{where}: thread {key}: end of {name} closes {top}")
        still_open += len(stack)
    if still_open != open_expected:
        fail(f"{where}: {still_open} slices left open, expected {open_expected}")


HOSTILE = [b"plain", b"esc\x1b[31m bell\x07", b"nl\nq\"b\\s\tt\rr", b"bad\xff\xfe end\xe2\x82",
           b"caf\xc3\xa9 \xe2\x82\xac", b"sep\xe2\x80\xa8 del\x7f c1\xc2\x9b"]


def check_chrome(path, bt, args):
    with open(path, "rb") as f:
        doc = json.loads(f.read().decode("utf-8"))  # strict UTF-8: raises on bad bytes
    evs = doc["traceEvents"]
    origin = doc["otherData"]["remora_clock_origin_ns"]
    lost = [e for e in evs if e.get("cat") == "remora"]
    real = [e for e in evs if e.get("cat") != "remora"]
    if len(real) != len(bt):
        fail(f"chrome: {len(real)} entries, babeltrace2 has {len(bt)} events")
    rows = [(origin + round(float(e["ts"]) * 1000), e["cat"], e["name"], e["pid"], e["tid"], e)
            for e in real]
    for b, c in zip(by_thread_time(bt), by_thread_time(rows)):
        if (b[0], b[1], b[3], b[4]) != (c[0], c[1], c[3], c[4]):
            fail(f"chrome: {c[5]} is not babeltrace2's {b}")
            break
        check_name("chrome", c[5]["ph"], c[2], b[2])
    seq = collections.defaultdict(list)
    for e in real:
        if e["ph"] in ("B", "E"):
            seq[(e["pid"], e["tid"])].append((e["ph"], e["name"]))
        if e["ph"] == "i" and e.get("s") != "t":
            fail(f"chrome: instant without thread scope: {e}")
        if e["ph"] == "C" and not all(isinstance(v, (int, float)) for v in e["args"].values()):
            fail(f"chrome: counter with a non-number: {e}")
    check_nesting("chrome", seq, args.open_slices)
    nlost = sum(e["args"]["lost"] for e in lost if e["name"] == "events lost")
    if nlost != args.lost or doc["otherData"]["remora_lost_events"] != args.lost:
        fail(f"chrome: {nlost} lost in markers, {doc['otherData']['remora_lost_events']} in "
             f"otherData, expected {args.lost}")
    if doc["otherData"]["remora_events"] != len(bt):
        fail("chrome: otherData.remora_events is not the event count")
    if args.hostile:
        texts = [e["args"]["text"] for e in real if e["name"] == "note"]
        want = [HOSTILE[i].decode("utf-8", "replace") for i in (1, 5, 2, 3, 4)]
        if sorted(texts) != sorted(want):
            fail(f"chrome: note texts {texts!r}, expected {want!r}")
        raws = {e["args"]["raw"] for e in real if e["name"] == "note"}
        if raws != {"hex:001bff", "hex:"}:
            fail(f"chrome: bytes fields {raws}")
    print(f"chrome: {len(real)} entries, {len(lost)} lost markers checked")
    return seq


# ---- protoc --decode text format

TOKEN = re.compile(r'\s*(?:(\})|([A-Za-z_][A-Za-z0-9_]*)\s*(?:(\{)|:\s*("(?:[^"\\]|\\.)*"|\S+)))')


def unescape(s):
    """A protoc text-format string literal (without quotes) to bytes."""
    out, i, b = bytearray(), 0, s.encode("utf-8")
    simple = {ord("n"): 10, ord("t"): 9, ord("r"): 13, ord('"'): 34, ord("'"): 39,
              ord("\\"): 92, ord("a"): 7, ord("b"): 8, ord("f"): 12, ord("v"): 11}
    while i < len(b):
        c = b[i]
        if c != 92:
            out.append(c)
            i += 1
            continue
        n = b[i + 1]
        if n in simple:
            out.append(simple[n])
            i += 2
        elif 48 <= n <= 55:
            j = i + 1
            while j < len(b) and j < i + 4 and 48 <= b[j] <= 55:
                j += 1
            out.append(int(b[i + 1:j], 8))
            i = j
        elif n == ord("x"):
            j = i + 2
            while j < len(b) and j < i + 4 and chr(b[j]) in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(b[i + 2:j], 16))
            i = j
        else:
            raise ValueError("escape " + s)
    return bytes(out)


def parse_text(text):
    root, stack, pos = {}, [], 0
    cur = root
    while True:
        m = TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip():
                raise ValueError("cannot parse near: " + text[pos:pos + 80])
            break
        pos = m.end()
        if m[1]:
            cur = stack.pop()
        elif m[3]:
            child = {}
            cur.setdefault(m[2], []).append(child)
            stack.append(cur)
            cur = child
        else:
            v = m[4]
            v = unescape(v[1:-1]) if v.startswith('"') else v
            cur.setdefault(m[2], []).append(v)
    return root


def one(d, k, default=None):
    return d[k][0] if k in d else default


def check_perfetto(path, bt, args, chrome_seq):
    with open(path, encoding="utf-8") as f:
        tree = parse_text(f.read())
    names, cats, anns, tracks = {}, {}, {}, {}
    rows, counters, lost, seq = [], [], 0, collections.defaultdict(list)
    for i, p in enumerate(tree.get("packet", [])):
        if one(p, "trusted_packet_sequence_id") != "1":
            fail("perfetto: a packet off sequence 1")
        flags = int(one(p, "sequence_flags", "0"))
        if i == 0 and flags != 1:
            fail("perfetto: the first packet does not clear the incremental state")
        for idata in p.get("interned_data", []):
            for tab, key in ((names, "event_names"), (cats, "event_categories"),
                             (anns, "debug_annotation_names")):
                for e in idata.get(key, []):
                    iid = int(one(e, "iid"))
                    if iid in tab:
                        fail(f"perfetto: iid {iid} of {key} interned twice")
                    tab[iid] = one(e, "name").decode("utf-8")
        for td in p.get("track_descriptor", []):
            uuid = int(one(td, "uuid"))
            if uuid in tracks:
                fail(f"perfetto: track {uuid} described twice")
            if "thread" in td:
                t = td["thread"][0]
                tracks[uuid] = ("thread", int(one(t, "pid")), int(one(t, "tid")))
            elif "process" in td:
                tracks[uuid] = ("process", int(one(td["process"][0], "pid")), None)
            elif "counter" in td:
                parent = tracks[int(one(td, "parent_uuid"))]
                tracks[uuid] = ("counter", parent[1], one(td, "name").decode("utf-8"))
        for te in p.get("track_event", []):
            if flags != 2:
                fail("perfetto: a track event without SEQ_NEEDS_INCREMENTAL_STATE")
            ts = int(one(p, "timestamp"))
            kind, pid, tid = tracks[int(one(te, "track_uuid"))]
            typ = one(te, "type")
            if typ == "TYPE_COUNTER":
                if kind != "counter":
                    fail("perfetto: a counter value on a non-counter track")
                if "." not in tid:  # the series of field `value`: one per event
                    counters.append((ts, pid, tid))
                continue
            if kind != "thread":
                fail(f"perfetto: {typ} on a {kind} track")
            name = names[int(one(te, "name_iid"))] if "name_iid" in te else None
            cat = cats[int(one(te, "category_iids"))]
            ann = {anns[int(one(a, "name_iid"))]: a for a in te.get("debug_annotations", [])}
            if cat == "remora":
                if name != "events lost":
                    fail(f"perfetto: remora marker {name}")
                lost += int(one(ann["lost"], "uint_value"))
                continue
            ph = {"TYPE_SLICE_BEGIN": "B", "TYPE_SLICE_END": "E", "TYPE_INSTANT": "i"}[typ]
            if ph in ("B", "E"):
                seq[(pid, tid)].append((ph, name))
            rows.append((ts, cat, name, pid, tid, ph, ann))
    bt_counters = [b for b in bt if b[2].endswith("_counter")]
    bt_other = [b for b in bt if not b[2].endswith("_counter")]
    if len(rows) != len(bt_other) or len(counters) != len(bt_counters):
        fail(f"perfetto: {len(rows)} events and {len(counters)} counter values, babeltrace2 "
             f"has {len(bt_other)} and {len(bt_counters)}")
    for b, c in zip(by_thread_time(bt_other), by_thread_time(rows)):
        if (b[0], b[1], b[3], b[4]) != (c[0], c[1], c[3], c[4]):
            fail(f"perfetto: {c[:6]} is not babeltrace2's {b}")
            break
        if c[5] != "E":
            check_name("perfetto", c[5], c[2], b[2])
    want = collections.Counter((b[0], b[3], b[2][:-len("_counter")]) for b in bt_counters)
    if collections.Counter(counters) != want:
        fail("perfetto: counter values differ from babeltrace2's counter events")
    check_nesting("perfetto", seq, args.open_slices)
    if chrome_seq is not None:
        ends = {k: [ph if ph == "E" else (ph, n) for ph, n in v] for k, v in seq.items()}
        cends = {k: [ph if ph == "E" else (ph, n) for ph, n in v] for k, v in chrome_seq.items()}
        if ends != cends:
            fail("perfetto and chrome disagree on the slices")
    if lost != args.lost:
        fail(f"perfetto: {lost} events lost in markers, expected {args.lost}")
    if args.hostile:
        texts = sorted(one(r[6]["text"], "string_value").decode("utf-8")
                       for r in rows if r[2] == "note")
        want_t = sorted(HOSTILE[i].decode("utf-8", "replace") for i in (1, 5, 2, 3, 4))
        if texts != want_t:
            fail(f"perfetto: note texts {texts!r}, expected {want_t!r}")
    print(f"perfetto: {len(rows)} track events, {len(counters)} counter values, "
          f"{len(tracks)} tracks checked")


def check_stats(path, bt, args):
    with open(path) as f:
        st = json.load(f)
    got = collections.Counter()
    for r in st["rows"]:
        got[(r["event"], r["pid"], r["tid"])] += r["count"]
        if r["first_ns"] > r["last_ns"]:
            fail(f"stats: first after last in {r}")
    want = collections.Counter((f"{b[1]}:{b[2]}", b[3], b[4]) for b in bt)
    if got != want:
        fail(f"stats: rows {dict(got)} differ from babeltrace2's {dict(want)}")
    for key in want:
        ts = [b[0] for b in bt if (f"{b[1]}:{b[2]}", b[3], b[4]) == key]
        r = [r for r in st["rows"] if (r["event"], r["pid"], r["tid"]) == key][0]
        if (r["first_ns"], r["last_ns"]) != (min(ts), max(ts)):
            fail(f"stats: first/last of {key} differ from babeltrace2's")
            break
    if st["events"] != len(bt) or st["lost"] != args.lost:
        fail(f"stats: {st['events']} events {st['lost']} lost, expected {len(bt)}, {args.lost}")
    if sum(r["lost"] for r in st["lost_by_thread"]) != args.lost:
        fail("stats: lost_by_thread does not add up")
    print(f"stats: {len(st['rows'])} rows checked")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bt", required=True)
    ap.add_argument("--chrome")
    ap.add_argument("--perfetto-text")
    ap.add_argument("--stats")
    ap.add_argument("--lost", type=int, default=0)
    ap.add_argument("--open-slices", type=int, default=0)
    ap.add_argument("--hostile", action="store_true")
    args = ap.parse_args()
    bt = read_bt(args.bt)
    if not bt:
        fail("babeltrace2 shows no event")
    seq = None
    try:
        if args.chrome:
            seq = check_chrome(args.chrome, bt, args)
        if args.perfetto_text:
            check_perfetto(args.perfetto_text, bt, args, seq)
        if args.stats:
            check_stats(args.stats, bt, args)
    except (ValueError, KeyError, IndexError, TypeError) as e:
        fail(f"malformed output: {type(e).__name__}: {e}")
    print("PASS" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
