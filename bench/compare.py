#!/usr/bin/env python3
"""remora vs LTTng-UST, side by side, in one run (issue 8).

Runs bench/workload.c built three ways (bench_wl_remora, bench_wl_lttng,
bench_wl_none) interleaved, A B A B ..., one warm-up round then --reps
rounds, and prints a markdown table: medians, (min-max) spreads, ratios.
Sessions are set up and torn down outside the timed loops; every timed
number is measured inside the workload (CLOCK_MONOTONIC around the loop).

  compare.py --build BUILD_DIR [--reps 7] [--sides remora,lttng] [--rows 1,2,...]
             [--callgrind] [--smoke]

--smoke: each remora (and, with --sides, LTTng) workload once with tiny
counts; checks that it runs and that the events read back are exact. Not
a measurement. See docs/PERFORMANCE.md, "remora vs LTTng-UST".
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

# ---------------------------------------------------------------- helpers


def kv(text):
    out = {}
    for line in text.splitlines():
        if '=' in line:
            k, v = line.split('=', 1)
            try:
                out[k.strip()] = float(v)
            except ValueError:
                out[k.strip()] = v.strip()
    return out


class BenchError(Exception):
    pass


def run(cmd, env=None, check=True, timeout=600):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise BenchError('%s: exit %d\n%s%s' % (' '.join(cmd), p.returncode, p.stdout[-2000:],
                                                 p.stderr[-2000:]))
    return p


def bt_count(path):
    """(events, discarded-event messages) read back by babeltrace2."""
    p = run(['babeltrace2', path, '-c', 'sink.utils.counter'], check=False)
    if p.returncode != 0:
        raise BenchError('babeltrace2 %s failed:\n%s' % (path, p.stderr[-2000:]))
    ev = re.findall(r'(\d+) Event messages?', p.stdout)
    di = re.findall(r'(\d+) Discarded event messages?', p.stdout)
    return (int(ev[-1]) if ev else 0), (int(di[-1]) if di else 0)


def stats(xs):
    xs = sorted(xs)
    return {'med': statistics.median(xs), 'min': xs[0], 'max': xs[-1], 'n': len(xs)}


def fmt(s, digits=2, scale=1.0):
    if not s:
        return 'n/a'
    f = '%.' + str(digits) + 'f'
    return (f + ' (' + f + '–' + f + ')') % (s['med'] * scale, s['min'] * scale, s['max'] * scale)


# ---------------------------------------------------------------- the sides


class Bench:
    def __init__(self, a):
        self.a = a
        b = os.path.abspath(a.build)
        self.wl = {side: os.path.join(b, 'bench', 'bench_wl_' + side)
                   for side in ('none', 'remora', 'lttng')}
        self.remora = os.path.join(b, 'ctl', 'remora')
        self.tmp = tempfile.mkdtemp(prefix='remora-bench-', dir=a.tmp)
        self.seq = 0
        self.sessiond = None
        self.have_bt = shutil.which('babeltrace2') is not None
        self.fork_lib = None
        for d in ('/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'):
            f = os.path.join(d, 'liblttng-ust-fork.so.1')
            if os.path.exists(f):
                self.fork_lib = f
                break

    def outdir(self, tag):
        self.seq += 1
        d = os.path.join(self.tmp, '%s-%d' % (tag, self.seq))
        return d

    def cleanup(self, d):
        shutil.rmtree(d, ignore_errors=True)

    # remora: `remora record` (its embedded consumer) around the workload
    def remora_record(self, args, env=None, buffer='64M', overwrite=False, expect=None,
                      count=True, events='bench:*'):
        d = self.outdir('remora')
        cmd = [self.remora, 'record', '-o', d, '-e', events, '--buffer-size', buffer]
        if overwrite:
            cmd.append('--overwrite')
        p = run(cmd + ['--'] + args, env=env)
        r = kv(p.stdout)
        m = re.search(r'remora: (\d+) events recorded, (\d+) lost', p.stderr)
        if not m:
            raise BenchError('no remora summary:\n' + p.stderr[-2000:])
        r['rec_events'], r['rec_lost'] = int(m.group(1)), int(m.group(2))
        if count and self.have_bt:
            r['bt_events'], r['bt_discarded'] = bt_count(d)
            if r['bt_events'] != r['rec_events']:
                raise BenchError('remora: summary says %d events, babeltrace2 reads %d (%s)'
                                 % (r['rec_events'], r['bt_events'], ' '.join(args)))
        if expect is not None:
            if r['rec_lost'] != 0 or r['rec_events'] != expect:
                raise BenchError('remora %s: %d events recorded, %d lost; expected %d and 0'
                                 % (' '.join(args), r['rec_events'], r['rec_lost'], expect))
        self.cleanup(d)
        return r

    def remora_plain(self, args, env=None):
        """The stub loaded, no consumer (events not enabled unless env says so)."""
        e = {'REMORA_SOCKET': os.path.join(self.tmp, 'no-such-socket')}
        e.update(env or {})
        return kv(run([self.wl['remora']] + args, env=e).stdout)

    def none(self, args, env=None):
        return kv(run([self.wl['none']] + args, env=env).stdout)

    # LTTng-UST: a session daemon we start (and stop, by its pid)
    def sessiond_start(self):
        if self.sessiond:
            return
        if subprocess.run(['pgrep', '-x', 'lttng-sessiond'], stdout=subprocess.DEVNULL).returncode == 0:
            self.sessiond = 'foreign'  # someone else's: use it, never stop it
            return
        self.sessiond = subprocess.Popen(['lttng-sessiond', '--quiet'],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if run(['lttng', 'list'], check=False).returncode == 0:
                time.sleep(0.2)
                return
            time.sleep(0.05)
        raise BenchError('lttng-sessiond did not come up')

    def sessiond_stop(self):
        """True when no session daemon runs afterwards."""
        if self.sessiond == 'foreign':
            return False
        if self.sessiond:
            self.sessiond.send_signal(signal.SIGTERM)
            try:
                self.sessiond.wait(20)
            except subprocess.TimeoutExpired:
                self.sessiond.kill()
                self.sessiond.wait()
            self.sessiond = None
            time.sleep(0.2)
        return True

    def sessiond_pids(self):
        pids = []
        for pid in os.listdir('/proc'):
            if pid.isdigit():
                try:
                    with open('/proc/%s/comm' % pid) as f:
                        if f.read().strip() in ('lttng-sessiond', 'lttng-consumerd'):
                            pids.append(pid)
                except OSError:
                    pass
        return pids

    def lttng_session(self, args, env=None, subbuf='2M', nsub=32, overwrite=False,
                      snapshot=False, expect=None, count=True, preload_fork=False,
                      event='bench:*'):
        self.sessiond_start()
        d = self.outdir('lttng')
        name = 'rmb%d_%d' % (os.getpid(), self.seq)
        create = ['lttng', 'create', name]
        create += ['--snapshot', '--output=' + d] if snapshot else ['--output=' + d]
        run(create)
        try:
            ch = ['lttng', 'enable-channel', '-u', 'ch', '-s', name, '--subbuf-size', subbuf,
                  '--num-subbuf', str(nsub)]
            if overwrite:
                ch.append('--overwrite')
            run(ch)
            run(['lttng', 'enable-event', '-u', '-c', 'ch', '-s', name, event])
            run(['lttng', 'start', name])
            e = dict(env or {})
            if preload_fork:
                e['LD_PRELOAD'] = self.fork_lib
            e['BENCH_RSS_PIDS'] = ','.join(self.sessiond_pids())
            p = run([self.wl['lttng']] + args, env=e)
            if snapshot:
                run(['lttng', 'snapshot', 'record', '-s', name])
            run(['lttng', 'stop', name])
        finally:
            run(['lttng', 'destroy', name], check=False)
        r = kv(p.stdout)
        if count:
            r['bt_events'], r['bt_discarded'] = bt_count(d)
            if expect is not None and (r['bt_events'] != expect or r['bt_discarded']):
                raise BenchError('lttng %s: babeltrace2 reads %d events, %d discarded-event '
                                 'messages; expected %d and 0' % (' '.join(args), r['bt_events'],
                                                                   r['bt_discarded'], expect))
        self.cleanup(d)
        return r

    def lttng_plain(self, args, env=None):
        return kv(run([self.wl['lttng']] + args, env=env).stdout)


# ---------------------------------------------------------------- the rows
#
# Each row is a list of variants (name, function returning {metric: value});
# every round runs every variant of every row once, in order, so remora and
# LTTng-UST alternate.


def rows(b, a):
    s = a.smoke
    N = 20000 if s else 1000000        # timed events, rows 1, 2, 4, 10
    W = 40000 if s else 4000000        # paced warm-up: wraps a 64 MiB buffer
    ND = 1000000 if s else 100000000   # disabled events, row 3
    pace = {'BENCH_PACE': '5000,1000' if s else '50000,10000', 'BENCH_DRAIN_MS': '20' if s else '300'}
    sides = a.sides
    R = {}

    def ns(r):
        # ns: median of the 20 timed blocks of the run; whole: the whole loop
        return {'ns': r['block_ns_per_event'], 'whole': r['ns_per_event']}

    def paired(r):
        # ratio: median of the 20 block ratios traced / floor, in one process
        return {'ns': r['block_ns_per_event'], 'floor': r['floor_block_ns_per_event'],
                'ratio': r['paired_ratio']}

    # 1, 2: enabled events, one thread, discard mode, nothing lost
    for row, mode in (('1', 'ints'), ('2', 'str')):
        v = []
        if 'remora' in sides:
            v.append(('remora', lambda m=mode: ns(b.remora_record(
                [b.wl['remora'], m, str(N), str(W)], env=pace, buffer='64M', expect=N + W))))
        if 'lttng' in sides:
            v.append(('lttng', lambda m=mode: ns(b.lttng_session(
                [m, str(N), str(W)], env=pace, subbuf='2M', nsub=32, expect=N + W))))
        if row == '1':
            v.append(('floor', lambda: ns(b.none(['floor', str(N), str(W)], env=pace))))
            # the same, and the floor, block by block in one process (workload paired)
            if 'remora' in sides:
                v.append(('remora paired', lambda: paired(b.remora_record(
                    [b.wl['remora'], 'paired', str(N), str(W), 'mono'], env=pace, buffer='64M',
                    expect=N + W))))
            if 'lttng' in sides:
                v.append(('lttng paired', lambda: paired(b.lttng_session(
                    ['paired', str(N), str(W), 'mono'], env=pace, subbuf='2M', nsub=32,
                    expect=N + W))))
        R[row] = v
    # 3: disabled (compiled in, not enabled)
    v = []
    if 'remora' in sides:
        v.append(('remora', lambda: ns(b.remora_plain(['ints', str(ND), '1000000']))))
    if 'lttng' in sides:
        v.append(('lttng', lambda: ns(b.lttng_plain(['ints', str(ND), '1000000']))))
    v.append(('empty loop', lambda: ns(b.none(['ints', str(ND), '1000000']))))
    R['3'] = v

    # 4: one thread and two threads (pinned to CPUs 0 and 1), aggregate events/s
    def thr(fn, nt):
        return lambda: {'eps': fn(nt)['events_per_s']}
    v = []
    if 'remora' in sides:
        f = lambda nt: b.remora_record([b.wl['remora'], 'threads', str(nt), str(N), str(W)],
                                       env=pace, buffer='128M', expect=nt * (N + W))
        v += [('remora 1T', thr(f, 1)), ('remora 2T', thr(f, 2))]
    if 'lttng' in sides:
        g = lambda nt: b.lttng_session(['threads', str(nt), str(N), str(W)], env=pace,
                                       expect=nt * (N + W))
        v += [('lttng 1T', thr(g, 1)), ('lttng 2T', thr(g, 2))]
    R['4'] = v

    # 5: overwrite / flight recorder: the buffer wraps; timed after one wrap
    NO = 40000 if s else 4000000
    v = []
    if 'remora' in sides:
        v.append(('remora', lambda: (lambda r: {'ns': r['block_ns_per_event'], 'kept': r['rec_events']})(
            b.remora_record([b.wl['remora'], 'ints', str(NO), str(NO)], buffer='64M',
                            overwrite=True))))
    if 'lttng' in sides:
        v.append(('lttng', lambda: (lambda r: {'ns': r['block_ns_per_event'], 'kept': r['bt_events']})(
            b.lttng_session(['ints', str(NO), str(NO)], subbuf='2M', nsub=32, overwrite=True,
                            snapshot=True))))
    R['5'] = v

    # 6: fork storm: fork + child records 100 events + _exit + reap
    F = 20 if s else 200
    nev = (F + 5) * 100
    v = [('untraced', lambda: {'us': b.none(['fork', str(F), '100'])['ns_per_fork'] / 1e3})]
    if 'remora' in sides:
        v.append(('remora', lambda: {'us': b.remora_record(
            [b.wl['remora'], 'fork', str(F), '100'], buffer='64M', expect=nev)['ns_per_fork'] / 1e3}))
    if 'lttng' in sides and b.fork_lib:
        def lt_fork():
            r = b.lttng_session(['fork', str(F), '100'], preload_fork=True)
            return {'us': r['ns_per_fork'] / 1e3, 'kept': r['bt_events'], 'expected': nev}
        v.append(('lttng', lt_fork))
    R['6'] = v

    # 7: exec -> main, K execs per run; median of the K in each run
    K = 3 if s else 20

    def starts(p):
        xs = [float(x) / 1e3 for x in re.findall(r'startup_ns=(\d+)', p.stdout)]
        if len(xs) != K:
            raise BenchError('startup: %d of %d execs reported\n%s' % (len(xs), K, p.stderr[-1000:]))
        return {'us': statistics.median(xs)}

    def st_none():
        return starts(run([b.wl['none'], 'startup', str(K), b.wl['none']]))

    def st_remora_nocons():
        return starts(run([b.wl['none'], 'startup', str(K), b.wl['remora']],
                          env={'REMORA_SOCKET': os.path.join(b.tmp, 'no-such-socket')}))

    def st_remora_cons():
        d = b.outdir('remora')
        p = run([b.remora, 'record', '-o', d, '--', b.wl['none'], 'startup', str(K), b.wl['remora']])
        b.cleanup(d)
        return starts(p)

    def st_lttng_sessiond():
        b.sessiond_start()
        return starts(run([b.wl['none'], 'startup', str(K), b.wl['lttng']]))
    v = [('untraced', st_none)]
    if 'remora' in sides:
        v += [('remora, no consumer', st_remora_nocons), ('remora, remora record', st_remora_cons)]
    if 'lttng' in sides:
        v += [('lttng, sessiond running', st_lttng_sessiond)]
    R['7'] = v
    # (LTTng without a session daemon: rows_nodaemon, run with the daemon stopped)

    # 8: saturation: small buffers (16 MiB), no pacing, the producer flat out
    NS = 40000 if s else 4000000

    def sat(r, kept, produced):
        return {'ns': r['ns_per_event'], 'kept_per_s': kept * 1e9 / r['ns'],
                'lost_pct': 100.0 * (produced - kept) / produced,
                'Mev_s': NS * 1e3 / r['ns']}
    v = []
    if 'remora' in sides:
        def sat_r():
            r = b.remora_record([b.wl['remora'], 'ints', str(NS), '0'], buffer='16M')
            if r['rec_events'] + r['rec_lost'] != NS:
                raise BenchError('saturation: remora counts %d kept + %d lost != %d produced'
                                 % (r['rec_events'], r['rec_lost'], NS))
            return sat(r, r['rec_events'], NS)
        v.append(('remora', sat_r))
    if 'lttng' in sides:
        def sat_l():
            r = b.lttng_session(['ints', str(NS), '0'], subbuf='1M', nsub=16)
            return sat(r, r['bt_events'], NS)
        v.append(('lttng', sat_l))
    R['8'] = v

    # 9: memory: RSS of the traced process and of the consumer side
    TT = (1, 100) if s else (1, 1000)

    def mem_none(t):
        r = b.none(['mem', str(t)])
        return {'app': r['app_rss_kib']}

    def mem_remora(t):
        r = b.remora_record([b.wl['remora'], 'mem', str(t)], buffer='16M', count=False)
        return {'app': r['app_rss_kib'], 'helper': r['children_rss_kib'],
                'consumer': r['parent_rss_kib'], 'kept': r['rec_events'], 'lost': r['rec_lost']}

    def mem_lttng(t):
        r = b.lttng_session(['mem', str(t)], subbuf='512k', nsub=4)
        return {'app': r['app_rss_kib'], 'consumer': r['pids_rss_kib'], 'kept': r['bt_events']}
    v = []
    for t in TT:
        v.append(('untraced %dT' % t, lambda t=t: mem_none(t)))
        if 'remora' in sides:
            v.append(('remora %dT' % t, lambda t=t: mem_remora(t)))
        if 'lttng' in sides:
            v.append(('lttng %dT' % t, lambda t=t: mem_lttng(t)))
    R['9'] = v

    # TSC (separate row): remora's REMORA_CLOCK=tsc against the TSC floor
    v = []
    if 'remora' in sides:
        v.append(('remora tsc', lambda: ns(b.remora_record(
            [b.wl['remora'], 'ints', str(N), str(W)], env=dict(pace, REMORA_CLOCK='tsc'),
            buffer='64M', expect=N + W))))
    v.append(('floor tsc', lambda: ns(b.none(['floor', str(N), str(W), 'tsc'], env=pace))))
    if 'remora' in sides:
        v.append(('remora tsc paired', lambda: paired(b.remora_record(
            [b.wl['remora'], 'paired', str(N), str(W), 'tsc'], env=dict(pace, REMORA_CLOCK='tsc'),
            buffer='64M', expect=N + W))))
    R['tsc'] = v
    return R


def rows_nodaemon(b, a):
    """Row 7 with no LTTng session daemon running (the daemon stopped)."""
    K = 3 if a.smoke else 20

    def st():
        p = run([b.wl['none'], 'startup', str(K), b.wl['lttng']])
        xs = [float(x) / 1e3 for x in re.findall(r'startup_ns=(\d+)', p.stdout)]
        return {'us': statistics.median(xs)}
    return {'7': [('lttng, no sessiond', st)]}


# ---------------------------------------------------------------- callgrind


def callgrind(b, a, sides):
    """Instructions per event in timed_region for rows 1-3 (valgrind)."""
    n = 10000 if a.smoke else 200000
    out = {}
    cg = os.path.join(b.tmp, 'cg.out')

    def ir(cmd, env=None):
        run(['valgrind', '--tool=callgrind', '-q', '--callgrind-out-file=' + cg,
             '--toggle-collect=timed_region'] + cmd, env=env)
        p = run(['callgrind_annotate', cg])
        m = re.search(r'([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?PROGRAM TOTALS', p.stdout)
        return int(m.group(1).replace(',', '')) / n

    plain = {'REMORA_SOCKET': os.path.join(b.tmp, 'no-such-socket')}
    ena = dict(plain, REMORA_ENABLE='bench:*', REMORA_BUFFER_SIZE='256M')
    for row, mode, enabled in (('1', 'ints', True), ('2', 'str', True), ('3', 'ints', False)):
        if 'remora' in sides:
            out[(row, 'remora')] = ir([b.wl['remora'], mode, str(n), '1000'], env=ena if enabled else plain)
        if 'lttng' in sides:
            if enabled:
                b.sessiond_start()
                name = 'rmbcg%d' % os.getpid()
                d = b.outdir('lttng')
                run(['lttng', 'create', name, '--output=' + d])
                try:
                    run(['lttng', 'enable-channel', '-u', 'ch', '-s', name, '--subbuf-size', '4M',
                         '--num-subbuf', '16'])
                    run(['lttng', 'enable-event', '-u', '-c', 'ch', '-s', name, 'bench:*'])
                    run(['lttng', 'start', name])
                    out[(row, 'lttng')] = ir([b.wl['lttng'], mode, str(n), '1000'])
                finally:
                    run(['lttng', 'destroy', name], check=False)
                b.cleanup(d)
            else:
                out[(row, 'lttng')] = ir([b.wl['lttng'], mode, str(n), '1000'])
        if row == '1':
            out[(row, 'floor')] = ir([b.wl['none'], 'floor', str(n), '1000'])
        if row == '3':
            out[(row, 'empty loop')] = ir([b.wl['none'], 'ints', str(n), '1000'])
    return out


# ---------------------------------------------------------------- the report


def report(res, cg, a, b, load):
    def S(row, var, metric):
        xs = [r[metric] for r in res.get((row, var), []) if metric in r]
        return stats(xs) if xs else None

    def med(row, var, metric):
        s = S(row, var, metric)
        return s['med'] if s else None

    def ratio(x, y, d=2):
        return ('%.' + str(d) + 'f×') % (x / y) if x and y else 'n/a'

    L = []
    L.append('| row | what | remora | LTTng-UST | reference | ratio | target |')
    L.append('|---|---|---|---|---|---|---|')
    r1, l1, f1 = med('1', 'remora', 'ns'), med('1', 'lttng', 'ns'), med('1', 'floor', 'ns')
    L.append('| 1 | enabled 2-int event, 1 thread, ns/event | %s | %s | floor %s | %s of LTTng-UST, %s of floor | ≤ 0.35× LTTng, ≤ 1.3× floor |'
             % (fmt(S('1', 'remora', 'ns')), fmt(S('1', 'lttng', 'ns')), fmt(S('1', 'floor', 'ns')),
                ratio(r1, l1), ratio(r1, f1)))
    rw, lw, fw = med('1', 'remora', 'whole'), med('1', 'lttng', 'whole'), med('1', 'floor', 'whole')
    L.append('| 1 | the same, whole-loop time (preemptions included) | %s | %s | floor %s | %s of LTTng-UST, %s of floor | |'
             % (fmt(S('1', 'remora', 'whole')), fmt(S('1', 'lttng', 'whole')), fmt(S('1', 'floor', 'whole')),
                ratio(rw, lw), ratio(rw, fw)))
    L.append('| 1 | the same paired with the floor in one process, median block ratio (floor ns) | %s (%s) | %s (%s) | | | ≤ 1.15× floor |'
             % (fmt(S('1', 'remora paired', 'ratio'), 3), fmt(S('1', 'remora paired', 'floor')),
                fmt(S('1', 'lttng paired', 'ratio'), 3), fmt(S('1', 'lttng paired', 'floor'))))
    r2, l2 = med('2', 'remora', 'ns'), med('2', 'lttng', 'ns')
    L.append('| 2 | + 16-char string, ns/event | %s | %s | | %s | |'
             % (fmt(S('2', 'remora', 'ns')), fmt(S('2', 'lttng', 'ns')), ratio(r2, l2)))
    r3, l3 = med('3', 'remora', 'ns'), med('3', 'lttng', 'ns')
    L.append('| 3 | disabled event, ns/event (loop included) | %s | %s | empty loop %s | %s | ≤ 1 ns |'
             % (fmt(S('3', 'remora', 'ns'), 3), fmt(S('3', 'lttng', 'ns'), 3),
                fmt(S('3', 'empty loop', 'ns'), 3), ratio(r3, l3)))
    r41, r42 = med('4', 'remora 1T', 'eps'), med('4', 'remora 2T', 'eps')
    l41, l42 = med('4', 'lttng 1T', 'eps'), med('4', 'lttng 2T', 'eps')
    L.append('| 4 | 2 threads on 2 CPUs, M events/s (aggregate) | %s | %s | 1T: remora %s, LTTng %s | 2T/1T: remora %s, LTTng %s; remora/LTTng %s | 2T ≥ 1.9× 1T |'
             % (fmt(S('4', 'remora 2T', 'eps'), 1, 1e-6), fmt(S('4', 'lttng 2T', 'eps'), 1, 1e-6),
                fmt(S('4', 'remora 1T', 'eps'), 1, 1e-6), fmt(S('4', 'lttng 1T', 'eps'), 1, 1e-6),
                ratio(r42, r41), ratio(l42, l41), ratio(r42, l42)))
    r5, l5 = med('5', 'remora', 'ns'), med('5', 'lttng', 'ns')
    L.append('| 5 | overwrite / snapshot mode, ns/event (events kept) | %s (%s) | %s (%s) | | %s | |'
             % (fmt(S('5', 'remora', 'ns')), '%.0f' % (med('5', 'remora', 'kept') or 0),
                fmt(S('5', 'lttng', 'ns')), '%.0f' % (med('5', 'lttng', 'kept') or 0), ratio(r5, l5)))
    u6, r6, l6 = med('6', 'untraced', 'us'), med('6', 'remora', 'us'), med('6', 'lttng', 'us')
    lk = med('6', 'lttng', 'kept')
    L.append('| 6 | fork storm, µs per fork (fork + 100 events + exit + reap) | %s | %s%s | untraced %s | traced/untraced: remora %s, LTTng %s | remora ≤ 1.05× |'
             % (fmt(S('6', 'remora', 'us'), 0), fmt(S('6', 'lttng', 'us'), 0),
                (' (%d of %d events read back)' % (lk, med('6', 'lttng', 'expected'))) if lk is not None else '',
                fmt(S('6', 'untraced', 'us'), 0), ratio(r6, u6, 3), ratio(l6, u6, 3)))
    L.append('| 7 | exec → main, µs, no consumer / no session daemon | %s | %s | untraced %s | | |'
             % (fmt(S('7', 'remora, no consumer', 'us'), 0), fmt(S('7', 'lttng, no sessiond', 'us'), 0),
                fmt(S('7', 'untraced', 'us'), 0)))
    L.append('| 7 | exec → main, µs, consumer / session daemon running | %s | %s | | | |'
             % (fmt(S('7', 'remora, remora record', 'us'), 0), fmt(S('7', 'lttng, sessiond running', 'us'), 0)))
    L.append('| 8 | saturation (16 MiB, flat out): produced M events/s; kept M events/s; lost %% | %s; %s; %s | %s; %s; %s | | kept: %s | |'
             % (fmt(S('8', 'remora', 'Mev_s'), 1), fmt(S('8', 'remora', 'kept_per_s'), 1, 1e-6),
                fmt(S('8', 'remora', 'lost_pct'), 0),
                fmt(S('8', 'lttng', 'Mev_s'), 1), fmt(S('8', 'lttng', 'kept_per_s'), 1, 1e-6),
                fmt(S('8', 'lttng', 'lost_pct'), 0),
                ratio(med('8', 'remora', 'kept_per_s'), med('8', 'lttng', 'kept_per_s'))))
    for t in ((1, 100) if a.smoke else (1, 1000)):
        un = med('9', 'untraced %dT' % t, 'app')
        ra, la = med('9', 'remora %dT' % t, 'app'), med('9', 'lttng %dT' % t, 'app')
        rh = med('9', 'remora %dT' % t, 'helper')
        rc, lc = med('9', 'remora %dT' % t, 'consumer'), med('9', 'lttng %dT' % t, 'consumer')
        rl = med('9', 'remora %dT' % t, 'lost')
        rk = med('9', 'remora %dT' % t, 'kept')
        lk = med('9', 'lttng %dT' % t, 'kept')

        def mib(x):
            return '%.1f' % (x / 1024) if x is not None else 'n/a'

        def add(x):
            return '+%.1f' % ((x - un) / 1024) if x is not None and un is not None else 'n/a'
        L.append('| 9 | memory, %d thread%s: app RSS added MiB (helper); consumer-side RSS MiB; events kept of %d | %s (helper %s); %s; %s%s | %s; %s; %s | untraced app %s MiB | | |'
                 % (t, 's' if t > 1 else '', t + 1, add(ra), mib(rh), mib(rc),
                    '%.0f' % rk if rk is not None else 'n/a',
                    (', %.0f lost' % rl) if rl else '',
                    add(la), mib(lc), '%.0f' % lk if lk is not None else 'n/a', mib(un)))
    L.append('| 10 | floor (clock_gettime + the same stores, private buffer), ns/event | | | %s | | |'
             % fmt(S('1', 'floor', 'ns')))
    rt, ft = med('tsc', 'remora tsc', 'ns'), med('tsc', 'floor tsc', 'ns')
    L.append('| TSC | remora REMORA_CLOCK=tsc, 2-int event, ns/event | %s | (MONOTONIC: %s) | floor (rdtsc) %s | %s of floor; %s of LTTng-UST | |'
             % (fmt(S('tsc', 'remora tsc', 'ns')), fmt(S('1', 'lttng', 'ns')), fmt(S('tsc', 'floor tsc', 'ns')),
                ratio(rt, ft), ratio(rt, l1)))
    L.append('| TSC | the same paired with the rdtsc floor in one process, median block ratio (floor ns) | %s (%s) | | | | |'
             % (fmt(S('tsc', 'remora tsc paired', 'ratio'), 3), fmt(S('tsc', 'remora tsc paired', 'floor'))))
    if cg:
        L.append('')
        L.append('Instructions per event in the timed loop (callgrind, Ir/event; valgrind makes '
                 'clock_gettime a syscall, so the clock read counts a few instructions only):')
        L.append('')
        L.append('| row | remora | LTTng-UST | reference | remora/LTTng |')
        L.append('|---|---:|---:|---:|---:|')
        for row, ref in (('1', 'floor'), ('2', None), ('3', 'empty loop')):
            r, l = cg.get((row, 'remora')), cg.get((row, 'lttng'))
            f = cg.get((row, ref)) if ref else None
            L.append('| %s | %s | %s | %s | %s |' % (
                row, '%.1f' % r if r else 'n/a', '%.1f' % l if l else 'n/a',
                ('%s %.1f' % (ref, f)) if f else '', ratio(r, l)))
    L.append('')
    L.append('%d rounds after a warm-up round; median (min–max) over the rounds. Load before: %s'
             % (max(len(v) for v in res.values()) if res else 0, load))
    return '\n'.join(L)


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', required=True)
    ap.add_argument('--reps', type=int, default=7)
    ap.add_argument('--sides', default='remora,lttng')
    ap.add_argument('--rows', default='1,2,3,4,5,6,7,8,9,tsc')
    ap.add_argument('--callgrind', action='store_true')
    ap.add_argument('--smoke', action='store_true')
    ap.add_argument('--tmp', default=None, help='where traces go (default: $TMPDIR or /tmp)')
    ap.add_argument('--verbose', dest='verbose_runs', action='store_true', help='print every run')
    ap.add_argument('--keep-going', action='store_true', help='report a failing run and go on')
    a = ap.parse_args()
    a.sides = a.sides.split(',')
    b = Bench(a)
    if 'lttng' in a.sides and not os.path.exists(b.wl['lttng']):
        sys.exit('compare: %s not built (is liblttng-ust-dev installed? run bench/run.sh)' % b.wl['lttng'])
    want = a.rows.split(',')
    load = open('/proc/loadavg').read().split()[:3]
    load = ' '.join(load)
    res = {}
    failures = []
    try:
        R = {k: v for k, v in rows(b, a).items() if k in want}
        ND = rows_nodaemon(b, a) if 'lttng' in a.sides and '7' in want else {}
        rounds = 1 if a.smoke else a.reps + 1
        for rnd in range(rounds):
            t0 = time.time()
            keep = a.smoke or rnd > 0
            phases = [R]
            if ND:
                phases.append(ND)
            for ph in phases:
                if ph is ND:
                    if not b.sessiond_stop():
                        print('compare: a session daemon not started by us is running: '
                              'row 7 without it skipped', file=sys.stderr)
                        continue
                for row, variants in ph.items():
                    for name, fn in variants:
                        try:
                            r = fn()
                        except (BenchError, subprocess.TimeoutExpired) as e:
                            failures.append('row %s %s: %s' % (row, name, e))
                            print('compare: FAILED row %s %s: %s' % (row, name, e), file=sys.stderr)
                            if not a.keep_going:
                                raise
                            continue
                        if a.smoke or a.verbose_runs:
                            print('  row %s %-24s %s' % (row, name, r), file=sys.stderr)
                        if keep:
                            res.setdefault((row, name), []).append(r)
            print('compare: round %d/%d%s done in %.0f s' % (rnd + 1, rounds,
                  '' if keep else ' (warm-up)', time.time() - t0), file=sys.stderr)
        cg = callgrind(b, a, a.sides) if a.callgrind else None
    finally:
        if b.sessiond not in (None, 'foreign'):
            b.sessiond_stop()
        shutil.rmtree(b.tmp, ignore_errors=True)
    print(report(res, cg, a, b, load))
    if failures:
        print('\nFAILED runs:\n' + '\n'.join(failures))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
