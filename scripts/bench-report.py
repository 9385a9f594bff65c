#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The report of `make bench` (scripts/bench.sh): collect the results, print
the table with the targets, write the JSON and the plots.

  bench-report.py --ktap KTAP_LOG --engine ENGINE_TXT --out DIR [--usb 0|1]
                  [--meta K=V]...

KTAP_LOG: the VM's test log, with snn-bench's "BENCH <name> <json>" lines:
the PCIe board's under the phase names (queue, rtt, infer, isolation), a
USB board's as <phase>_usb; ENGINE_TXT: the output of build/host/bench-engine.
The PCIe board's figures are judged against the targets (PASS or MISS); the
USB board's follow in a table of their own, the same targets beside them for
information only, then both side by side.  Writes DIR/bench.json (the USB
board's under "usb"), DIR/perf-c.png and DIR/perf-d.png (PCIe), with USB
results also perf-c-usb.png and perf-d-usb.png (gnuplot; skipped with a
warning if it is missing), and their data and gnuplot scripts.  Exit status
0 if the results are there (targets missed or not), 1 if a phase's result is
missing (with --usb 1, also a USB phase's).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

TARGETS = {
    'a': 'mapped + batched doorbells at least 20x one syscall per event',
    'c': 'cost falls with activity; at 10% at most 30% of the cost at 100%',
    'd': "each process's p99 at most 1.5x its p99 alone (paced: one image per period per process; back to back for reference)",
}


def mark(ok):
    return 'PASS' if ok else 'MISS'


def parse_ktap(path):
    res = {}
    with open(path, errors='replace') as f:
        for line in f:
            m = re.match(r'^\s*BENCH (\w+) (\{.*\})\s*$', line)
            if m:
                res[m.group(1)] = json.loads(m.group(2))
    return res


def parse_engine(path):
    """bench-engine's table: activity, us/step, syn events/s, neuron upd/s,
    events/step, updates/step, spikes/step."""
    rows = []
    head = ''
    with open(path) as f:
        for line in f:
            if line.startswith('snndev neuron engine benchmark'):
                head = line.split(':', 1)[1].strip()
            m = re.match(r'^\s*([\d.]+)%\s+([\d.]+)\s+([\d.e+-]+)\s+([\d.e+-]+)'
                         r'\s+(\d+)\s+(\d+)\s+([\d.]+)\s*$', line)
            if m:
                rows.append({'activity': float(m.group(1)) / 100,
                             'us_per_step': float(m.group(2)),
                             'syn_events_per_s': float(m.group(3)),
                             'neuron_updates_per_s': float(m.group(4)),
                             'syn_events_per_step': int(m.group(5)),
                             'neuron_updates_per_step': int(m.group(6)),
                             'spikes_per_step': float(m.group(7))})
    return {'network': head, 'levels': rows}


def fmt_rate(x):
    if x >= 1e6:
        return '%.2f M/s' % (x / 1e6)
    return '%.1f k/s' % (x / 1e3)


PHASES = ('queue', 'rtt', 'infer', 'isolation')
USB_TARGET_NOTE = ("the targets are the PCIe board's; the USB board's figures are "
                   "compared with them for information only ('met'/'not met'), "
                   "no verdict")


def report_board(res, judge, meta, outdir, plot_suffix, row, lines):
    """Append the table lines of one board's phases (a) to (d) to lines.
    judge: PASS/MISS against the targets (PCIe); otherwise the same
    targets as information ('met'/'not met').  Returns (results,
    verdicts) for bench.json and writes the plots perf-c<plot_suffix>.png
    and perf-d<plot_suffix>.png."""
    results, verdicts = {}, {}

    def verdict(ok):
        if judge:
            return mark(ok)
        return 'met' if ok else 'not met'

    def target(t):
        return t if judge else '(PCIe target %s, information)' % t

    # (a)
    q = res.get('queue')
    if q:
        mo = q['modes']
        ratio = q['ratio']
        ratio_of = q.get('ratio_of', 'mapped_batched / ioctl_per_event')
        mapped = q.get('mapped_doorbell', True)
        ok = ratio >= 20
        results['a'] = q
        verdicts['a'] = {'ratio': ratio, 'ratio_of': ratio_of, 'pass': ok}
        if mapped:
            lines.append('(a) input events/s through the mapped queue (median of %d runs, min..max)'
                         % q['rounds'])
        else:
            lines.append('(a) input events/s through the input queue, no mapped doorbell page: '
                         'every doorbell an SNN_IOC_DOORBELL (median of %d runs, min..max)'
                         % q['rounds'])
        for key, name in (('mapped_batched', 'mapped doorbell, 1 per %d events' % q['batch']),
                          ('ioctl_per_event', 'SNN_IOC_DOORBELL, 1 call per event'),
                          ('mapped_per_event', 'mapped doorbell, 1 per event'),
                          ('ioctl_batched', 'SNN_IOC_DOORBELL, 1 call per %d' % q['batch'])):
            m = mo[key]
            if m['median'] is None:
                row('  ' + name, 'n/a: %s' % m.get('not_applicable', 'not measured'))
                continue
            row('  ' + name, '%s (%s..%s)' % (fmt_rate(m['median']), fmt_rate(m['min']),
                                              fmt_rate(m['max'])))
        if mapped:
            row('  batched / one syscall per event', '%.0fx' % ratio,
                target('>= 20x'), verdict(ok))
        else:
            row('  ioctl batched / one ioctl per event', '%.0fx' % ratio,
                target('>= 20x'), verdict(ok))
        if q.get('refresh_waits') is not None:
            lines.append('    (consumer index: %s; %d refresh waits)'
                         % (q['consumer_index'], q['refresh_waits']))
    # (b)
    r = res.get('rtt')
    if r:
        results['b'] = r
        lines.append('(b) run(1) + wait round trip, %d timesteps' % r['rounds'])
        row('  p50 / p99', '%.1f us / %.1f us' % (r['us']['p50'], r['us']['p99']),
            '(min %.1f, mean %.1f, max %.1f us)' % (r['us']['min'], r['us']['mean'],
                                                   r['us']['max']))
        if 'run_call_us' in r:
            row('  in run(1) / in wait, p50', '%.1f us / %.1f us'
                % (r['run_call_us']['p50'], r['wait_call_us']['p50']),
                '(p99 %.1f / %.1f us)' % (r['run_call_us']['p99'], r['wait_call_us']['p99']))
            row('  guest CPU per round trip', '%.1f us' % r['guest_cpu_us'])
    # (c)
    c = res.get('infer')
    if c:
        results['c'] = c
        lv = {round(x['activity'], 4): x for x in c['levels']}
        net = c['network']
        lines.append('(c) cost of one inference: %d cores x %d neurons, %d input axons, '
                     '%d synapses, %d timesteps' % (net['cores'], net['neurons_per_core'],
                                                    net['input_axons'], net['synapses'],
                                                    net['timesteps']))
        lines.append('    median of %d rounds (each >= %d inferences and >= %g s); ms per inference'
                     % (c['rounds'], c['min_inferences'], c['min_seconds']))
        if c.get('idle_host_cpu_per_s') is not None:
            lines.append('    (QEMU idle, guest asleep: %.1f ms host CPU per second)'
                         % (c['idle_host_cpu_per_s'] * 1e3))
        if c.get('sleep_5ms_guest_cpu_s') is not None:
            lines.append('    (the guest charges a process %.3f ms CPU per 5 ms sleep, device idle)'
                         % (c['sleep_5ms_guest_cpu_s'] * 1e3))
        lines.append('    %8s %12s %12s %12s %12s %10s' % ('activity', 'guest CPU', 'QEMU CPU',
                                                        'wall', 'syn ops', 'updates'))
        for x in c['levels']:
            def ms(k):
                v = x[k]['median']
                return '-' if v is None else '%.3f' % (v * 1e3)
            lines.append('    %7.0f%% %12s %12s %12s %12.0f %10.0f'
                         % (x['activity'] * 100, ms('guest_cpu_s'), ms('host_cpu_s'),
                            ms('wall_s'), x['per_inference']['syn_ops'],
                            x['per_inference']['neuron_updates']))
        ver = {}
        if all(k in lv for k in (0.1, 0.5, 1.0)):
            for key, name in (('guest_cpu_s', 'guest CPU'), ('host_cpu_s', 'QEMU host CPU')):
                v = [lv[a][key]['median'] for a in (0.1, 0.5, 1.0)]
                if None in v:
                    row('  ' + name, 'not measured (no host agent)')
                    continue
                falls = v[0] < v[1] < v[2]
                ratio = v[0] / v[2] if v[2] else float('inf')
                ok = falls and ratio <= 0.30
                ver[key] = {'10': v[0], '50': v[1], '100': v[2], 'ratio_10_100': ratio,
                            'falls': falls, 'pass': ok}
                row('  %s: 10%% / 100%%' % name, '%.2f (%s)' % (ratio, 'falls with activity'
                                                             if falls else 'does NOT fall'),
                    target('<= 0.30, falling'), verdict(ok))
        else:
            row('  (no 10%, 50% and 100% levels: no verdict)', '')
        verdicts['c'] = ver
        write_plot_c(outdir, c, plot_suffix)
    # (d)
    d = res.get('isolation')
    if d:
        results['d'] = d
        lines.append('(d) %d processes on %d clusters (digits, %d images each, %d rounds); '
                     'p99 ms per image, median of rounds'
                     % (d['processes'], d['processes'], d['images'], d['rounds']))

        def iso(clusters, judged):
            ver = []
            for cl in clusters:
                rat = [t / a for t, a in zip(cl['together_p99_ms'], cl['alone_p99_ms'])]
                med = statistics.median(rat)
                ok = med <= 1.5
                ver.append({'cluster': cl['cluster'],
                            'alone_p99_ms': statistics.median(cl['alone_p99_ms']),
                            'together_p99_ms': statistics.median(cl['together_p99_ms']),
                            'ratio': med, 'ratio_min': min(rat), 'ratio_max': max(rat),
                            'pass': ok})
                row('    %s: alone %.2f, four at once %.2f' % (cl['cluster'],
                                                              ver[-1]['alone_p99_ms'],
                                                              ver[-1]['together_p99_ms']),
                    '%.2fx (%.2f..%.2f)' % (med, min(rat), max(rat)),
                    target('<= 1.5x') if judged else '(reference)',
                    verdict(ok) if judged else '')
            return ver

        paced = d.get('paced')
        ver_b2b = None
        if paced:
            lines.append('  paced, each process starts an image every %g ms (the target):'
                         % paced['period_ms'])
            ver = iso(paced['clusters'], True)
            lines.append('  back to back, as fast as each process can (%s host CPUs for '
                         '%s guest CPUs and %d busy cluster workers):'
                         % (os.cpu_count(), meta.get('guest_cpus', '?'), d['processes']))
            ver_b2b = iso(d['clusters'], False)
        else:
            ver = iso(d['clusters'], True)
        verdicts['d'] = ver
        if ver_b2b:
            verdicts['d_back_to_back'] = ver_b2b
        write_plot_d(outdir, ver, ver_b2b, paced['period_ms'] if paced else None, plot_suffix)
    return results, verdicts


def info_only(v):
    """A verdict structure with 'pass' renamed 'met' (information only)."""
    if isinstance(v, dict):
        return {('met' if k == 'pass' else k): info_only(x) for k, x in v.items()}
    if isinstance(v, list):
        return [info_only(x) for x in v]
    return v


def side_by_side(pci, usb, lines):
    """The main figures of both boards, one column each."""
    def a_rate(res, key):
        q = res.get('queue')
        if not q:
            return '-'
        m = q['modes'].get(key)
        if not m or m['median'] is None:
            return 'n/a (no mapped doorbell page)'
        return fmt_rate(m['median'])

    def a_ratio(res):
        q = res.get('queue')
        if not q:
            return '-'
        what = q.get('ratio_of', 'mapped_batched / ioctl_per_event')
        return '%.0fx (%s)' % (q['ratio'], what.replace('_batched', ' batches')
                               .replace('_per_event', ' per event'))

    q = pci.get('queue') or usb.get('queue') or {}
    batch = q.get('batch', 256)

    def rtt(res):
        r = res.get('rtt')
        return '-' if not r else '%.0f / %.0f us' % (r['us']['p50'], r['us']['p99'])

    def rtt_split(res):
        r = res.get('rtt')
        if not r or 'run_call_us' not in r:
            return '-'
        return '%.0f / %.0f us' % (r['run_call_us']['p50'], r['wait_call_us']['p50'])

    def rtt_cpu(res):
        r = res.get('rtt')
        return '-' if not r or 'guest_cpu_us' not in r else '%.0f us' % r['guest_cpu_us']

    def infer(res, key, scale=1e3):
        c = res.get('infer')
        if not c:
            return '-'
        lv = {round(x['activity'], 4): x for x in c['levels']}
        v = [lv[a][key]['median'] if a in lv else None for a in (0.1, 0.5, 1.0)]
        if None in v:
            return '-'
        return '%.2f / %.2f / %.2f ms' % tuple(x * scale for x in v)

    def infer_ratio(res, key):
        c = res.get('infer')
        if not c:
            return '-'
        lv = {round(x['activity'], 4): x for x in c['levels']}
        if 0.1 not in lv or 1.0 not in lv:
            return '-'
        a, b = lv[0.1][key]['median'], lv[1.0][key]['median']
        return '-' if a is None or not b else '%.2f' % (a / b)

    def iso(res, paced):
        d = res.get('isolation')
        if not d:
            return '-'
        cls = d['paced']['clusters'] if paced and d.get('paced') else d['clusters']
        if paced and not d.get('paced'):
            return '-'
        return ', '.join('%.2f' % statistics.median(
            [t / a for t, a in zip(cl['together_p99_ms'], cl['alone_p99_ms'])]) for cl in cls)

    def alone(res):
        d = res.get('isolation')
        if not d or not d.get('paced'):
            return '-'
        return ', '.join('%.2f' % statistics.median(cl['alone_p99_ms'])
                         for cl in d['paced']['clusters']) + ' ms'

    rows = [
        ('(a) mapped doorbell, 1 per %d events' % batch, a_rate(pci, 'mapped_batched'),
         a_rate(usb, 'mapped_batched')),
        ('(a) SNN_IOC_DOORBELL, 1 call per %d' % batch, a_rate(pci, 'ioctl_batched'),
         a_rate(usb, 'ioctl_batched')),
        ('(a) SNN_IOC_DOORBELL, 1 call per event', a_rate(pci, 'ioctl_per_event'),
         a_rate(usb, 'ioctl_per_event')),
        ('(a) mapped doorbell, 1 per event', a_rate(pci, 'mapped_per_event'),
         a_rate(usb, 'mapped_per_event')),
        ('(a) batched / one per event', a_ratio(pci), a_ratio(usb)),
        ('(b) run(1) + wait, p50 / p99', rtt(pci), rtt(usb)),
        ('(b) in run(1) / in wait, p50', rtt_split(pci), rtt_split(usb)),
        ('(b) guest CPU per round trip', rtt_cpu(pci), rtt_cpu(usb)),
        ('(c) QEMU CPU, 10 / 50 / 100 %', infer(pci, 'host_cpu_s'), infer(usb, 'host_cpu_s')),
        ('(c) QEMU CPU, 10 % / 100 %', infer_ratio(pci, 'host_cpu_s'),
         infer_ratio(usb, 'host_cpu_s')),
        ('(c) guest CPU, 10 / 50 / 100 %', infer(pci, 'guest_cpu_s'),
         infer(usb, 'guest_cpu_s')),
        ('(c) guest CPU, 10 % / 100 %', infer_ratio(pci, 'guest_cpu_s'),
         infer_ratio(usb, 'guest_cpu_s')),
        ('(c) wall, 10 / 50 / 100 %', infer(pci, 'wall_s'), infer(usb, 'wall_s')),
        ('(d) paced: p99 alone', alone(pci), alone(usb)),
        ('(d) paced: p99 four at once / alone', iso(pci, True), iso(usb, True)),
        ('(d) back to back: the same ratio', iso(pci, False), iso(usb, False)),
    ]
    lines.append('PCIe and USB side by side (medians; the verdicts are the PCIe table\'s)')
    lines.append('  %-40s %-36s %s' % ('', 'PCIe', 'USB'))
    for name, a, b in rows:
        lines.append('  %-40s %-36s %s' % (name, a, b))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ktap', required=True)
    ap.add_argument('--engine', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--usb', type=int, choices=(0, 1), default=0,
                    help='1: the log also has the USB board\'s results (BENCH <phase>_usb)')
    ap.add_argument('--meta', action='append', default=[], metavar='KEY=VALUE')
    args = ap.parse_args()

    allres = parse_ktap(args.ktap)
    # PCIe: the plain names; USB: <phase>_usb (tools/bench/snn-bench.c)
    res = {k: v for k, v in allres.items() if k in PHASES}
    usb = {k[:-4]: v for k, v in allres.items() if k.endswith('_usb') and k[:-4] in PHASES}
    missing = [k for k in PHASES if k not in res]
    for k, v in res.items():
        if v.get('transport', 'pci') != 'pci':
            print('WARNING: BENCH %s is from a %s board, not PCIe' % (k, v['transport']),
                  file=sys.stderr)
    if args.usb:
        missing += ['%s (USB)' % k for k in PHASES if k not in usb]
    engine = parse_engine(args.engine) if os.path.exists(args.engine) else None
    meta = dict(kv.split('=', 1) for kv in args.meta)
    out = {'meta': meta, 'targets': TARGETS, 'results': {}, 'verdicts': {}}
    os.makedirs(args.out, exist_ok=True)
    lines = []

    def row(name, value, target='', verdict=''):
        lines.append('  %-44s %-30s %s' % (name, value,
                                           ('%-6s %s' % (verdict, target)) if verdict else target))

    out['results'], out['verdicts'] = report_board(res, True, meta, args.out, '', row, lines)
    # (e)
    if engine and engine['levels']:
        out['results']['e'] = engine
        lines.append('(e) the engine on the host (make bench-engine: %s)' % engine['network'])
        lines.append('    %8s %12s %16s %16s' % ('activity', 'us/step', 'syn events/s',
                                                 'neuron updates/s'))
        for x in engine['levels']:
            lines.append('    %7.0f%% %12.2f %16.3e %16.3e' % (x['activity'] * 100,
                                                             x['us_per_step'],
                                                             x['syn_events_per_s'],
                                                             x['neuron_updates_per_s']))
    else:
        missing.append('engine')
    if usb:
        any_usb = next(iter(usb.values()))
        lines.append('')
        lines.append('USB board %s (%s), the same phases; %s'
                     % (any_usb.get('board', '?'), any_usb.get('bus_id', '?'), USB_TARGET_NOTE))
        ures, uver = report_board(usb, False, meta, args.out, '-usb', row, lines)
        out['usb'] = {'board': any_usb.get('board'), 'bus_id': any_usb.get('bus_id'),
                      'note': USB_TARGET_NOTE, 'results': ures,
                      'targets_information': info_only(uver)}
        lines.append('')
        side_by_side(res, usb, lines)

    with open(os.path.join(args.out, 'bench.json'), 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    print()
    print('snndev benchmarks (%s)' % ', '.join('%s %s' % kv for kv in meta.items()))
    print()
    for l in lines:
        print(l)
    print()
    if missing:
        print('MISSING results: %s (see the VM log)' % ', '.join(missing))
        return 1
    return 0


def gnuplot(out, name, script):
    gp = os.path.abspath(os.path.join(out, name + '.gp'))
    with open(gp, 'w') as f:
        f.write(script)
    if not shutil.which('gnuplot'):
        print('WARNING: no gnuplot (Debian package gnuplot-nox): %s.png not made' % name,
              file=sys.stderr)
        return
    r = subprocess.run(['gnuplot', gp], cwd=out, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if r.returncode:
        print('WARNING: gnuplot %s failed:\n%s' % (gp, r.stdout), file=sys.stderr)


def board_title(suffix):
    return ', USB board' if suffix == '-usb' else ''


def write_plot_c(out, c, suffix=''):
    name = 'perf-c' + suffix
    with open(os.path.join(out, name + '.dat'), 'w') as f:
        f.write('# activity%% guest_ms min max  qemu_ms min max  wall_ms min max\n')
        for x in c['levels']:
            vals = []
            for k in ('guest_cpu_s', 'host_cpu_s', 'wall_s'):
                for s in ('median', 'min', 'max'):
                    v = x[k][s]
                    vals.append('NaN' if v is None else '%.5f' % (v * 1e3))
            f.write('%.1f %s\n' % (x['activity'] * 100, ' '.join(vals)))
    gnuplot(out, name, '''# SPDX-License-Identifier: GPL-2.0
# (c) cost of one inference against input activity (scripts/bench-report.py)
set terminal pngcairo size 800,500 font "sans,10"
set output "%s.png"
set title "(c) Cost of one inference against input activity%s\\n%d cores x %d neurons, %d synapses, %d timesteps; QEMU TCG"
set xlabel "input activity (%% of %d input axons spiking per timestep)"
set ylabel "QEMU host CPU and wall time, ms per inference"
set y2label "guest CPU, ms per inference"
set ytics nomirror
set y2tics
set key top left
set grid
set xrange [-5:105]
set yrange [0:*]
set y2range [0:*]
plot "%s.dat" using 1:5:6:7 with yerrorlines lw 2 pt 7 title "QEMU host CPU (all threads; left axis)", \\
     "" using 1:2:3:4 axes x1y2 with yerrorlines lw 2 pt 5 title "guest CPU (benchmark process; right axis)", \\
     "" using 1:8:9:10 with yerrorlines lw 1 dt 2 pt 9 title "wall time (left axis)"
''' % (name, board_title(suffix), c['network']['cores'], c['network']['neurons_per_core'],
       c['network']['synapses'], c['network']['timesteps'], c['network']['input_axons'],
       name))


def write_plot_d(out, ver, ver_b2b, period, suffix=''):
    name = 'perf-d' + suffix
    with open(os.path.join(out, name + '.dat'), 'w') as f:
        f.write('# cluster alone_p99_ms together_p99_ms ratio'
                ' b2b_alone_p99_ms b2b_together_p99_ms b2b_ratio\n')
        for k, v in enumerate(ver):
            b = ver_b2b[k] if ver_b2b else None
            f.write('%s %.4f %.4f %.3f %s\n' % (
                v['cluster'], v['alone_p99_ms'], v['together_p99_ms'], v['ratio'],
                '%.4f %.4f %.3f' % (b['alone_p99_ms'], b['together_p99_ms'], b['ratio'])
                if b else 'NaN NaN NaN'))
    mode = 'paced' if period else 'back to back'
    what = ('paced, one image per %g ms per process' % period) if period else mode
    extra = ''
    if ver_b2b:
        extra = (', \\\n'
                 '     "" using 5 title "alone, back to back", \\\n'
                 '     "" using 6 title "four at once, back to back", \\\n'
                 '     "" using ($0+0.3):($6):(sprintf("%.1fx", $7)) with labels offset 0,0.8 notitle')
    gnuplot(out, name, '''# SPDX-License-Identifier: GPL-2.0
# (d) p99 latency alone and with four processes (scripts/bench-report.py)
set terminal pngcairo size 900,520 font "sans,10"
set output "%s.png"
set title "(d) Digits classifier, p99 latency per image: each process alone vs four at once%s\\n(one process per cluster; %s: the target's measurement; labels: ratio, target <= 1.5x)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "p99 latency per image (ms)"
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
set grid ytics
set key top left
plot "%s.dat" using 2:xtic(1) title "alone, %s", \\
     "" using 3 title "four at once, %s", \\
     "" using ($0%+.3f):($3):(sprintf("%%.2fx", $4)) with labels offset 0,0.8 notitle%s
''' % (name, board_title(suffix), what, name, mode, mode, -0.1 if ver_b2b else 1 / 6,
       extra))


if __name__ == '__main__':
    sys.exit(main())
