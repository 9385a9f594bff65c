#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The report of `make bench` (scripts/bench.sh): collect the results, print
the table with the targets, write the JSON and the plots.

  bench-report.py --ktap KTAP_LOG --engine ENGINE_TXT --out DIR [--meta K=V]...

KTAP_LOG: the VM's test log, with snn-bench's "BENCH <name> <json>" lines;
ENGINE_TXT: the output of build/host/bench-engine.  Writes DIR/bench.json,
DIR/perf-c.png and DIR/perf-d.png (gnuplot; skipped with a warning if it is
missing), and their data and gnuplot scripts.  Exit status 0 if the results
are there (targets missed or not), 1 if a phase's result is missing.
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


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ktap', required=True)
    ap.add_argument('--engine', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--meta', action='append', default=[], metavar='KEY=VALUE')
    args = ap.parse_args()

    res = parse_ktap(args.ktap)
    missing = [k for k in ('queue', 'rtt', 'infer', 'isolation') if k not in res]
    engine = parse_engine(args.engine) if os.path.exists(args.engine) else None
    meta = dict(kv.split('=', 1) for kv in args.meta)
    out = {'meta': meta, 'targets': TARGETS, 'results': {}, 'verdicts': {}}
    os.makedirs(args.out, exist_ok=True)
    lines = []

    def row(name, value, target='', verdict=''):
        lines.append('  %-44s %-30s %s' % (name, value,
                                           ('%-6s %s' % (verdict, target)) if verdict else target))

    # (a)
    q = res.get('queue')
    if q:
        mo = q['modes']
        ratio = q['ratio']
        ok = ratio >= 20
        out['results']['a'] = q
        out['verdicts']['a'] = {'ratio': ratio, 'pass': ok}
        lines.append('(a) input events/s through the mapped queue (median of %d runs, min..max)'
                     % q['rounds'])
        for key, name in (('mapped_batched', 'mapped doorbell, 1 per %d events' % q['batch']),
                          ('ioctl_per_event', 'SNN_IOC_DOORBELL, 1 call per event'),
                          ('mapped_per_event', 'mapped doorbell, 1 per event'),
                          ('ioctl_batched', 'SNN_IOC_DOORBELL, 1 call per %d' % q['batch'])):
            m = mo[key]
            row('  ' + name, '%s (%s..%s)' % (fmt_rate(m['median']), fmt_rate(m['min']),
                                              fmt_rate(m['max'])))
        row('  batched / one syscall per event', '%.0fx' % ratio, '>= 20x', mark(ok))
    # (b)
    r = res.get('rtt')
    if r:
        out['results']['b'] = r
        lines.append('(b) run(1) + wait round trip, %d timesteps' % r['rounds'])
        row('  p50 / p99', '%.1f us / %.1f us' % (r['us']['p50'], r['us']['p99']),
            '(min %.1f, mean %.1f, max %.1f us)' % (r['us']['min'], r['us']['mean'],
                                                   r['us']['max']))
    # (c)
    c = res.get('infer')
    if c:
        out['results']['c'] = c
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
        verdict = {}
        if all(k in lv for k in (0.1, 0.5, 1.0)):
            for key, name in (('guest_cpu_s', 'guest CPU'), ('host_cpu_s', 'QEMU host CPU')):
                v = [lv[a][key]['median'] for a in (0.1, 0.5, 1.0)]
                if None in v:
                    row('  ' + name, 'not measured (no host agent)')
                    continue
                falls = v[0] < v[1] < v[2]
                ratio = v[0] / v[2] if v[2] else float('inf')
                ok = falls and ratio <= 0.30
                verdict[key] = {'10': v[0], '50': v[1], '100': v[2], 'ratio_10_100': ratio,
                                'falls': falls, 'pass': ok}
                row('  %s: 10%% / 100%%' % name, '%.2f (%s)' % (ratio, 'falls with activity'
                                                             if falls else 'does NOT fall'),
                    '<= 0.30, falling', mark(ok))
        else:
            row('  (no 10%, 50% and 100% levels: no verdict)', '')
        out['verdicts']['c'] = verdict
        write_plot_c(args.out, c)
    # (d)
    d = res.get('isolation')
    if d:
        out['results']['d'] = d
        lines.append('(d) %d processes on %d clusters (digits, %d images each, %d rounds); '
                     'p99 ms per image, median of rounds'
                     % (d['processes'], d['processes'], d['images'], d['rounds']))

        def iso(clusters, judge):
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
                    '<= 1.5x' if judge else '(reference)',
                    mark(ok) if judge else '')
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
        out['verdicts']['d'] = ver
        if ver_b2b:
            out['verdicts']['d_back_to_back'] = ver_b2b
        write_plot_d(args.out, ver, ver_b2b, paced['period_ms'] if paced else None)
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


def write_plot_c(out, c):
    with open(os.path.join(out, 'perf-c.dat'), 'w') as f:
        f.write('# activity%% guest_ms min max  qemu_ms min max  wall_ms min max\n')
        for x in c['levels']:
            vals = []
            for k in ('guest_cpu_s', 'host_cpu_s', 'wall_s'):
                for s in ('median', 'min', 'max'):
                    v = x[k][s]
                    vals.append('NaN' if v is None else '%.5f' % (v * 1e3))
            f.write('%.1f %s\n' % (x['activity'] * 100, ' '.join(vals)))
    gnuplot(out, 'perf-c', '''# SPDX-License-Identifier: GPL-2.0
# (c) cost of one inference against input activity (scripts/bench-report.py)
set terminal pngcairo size 800,500 font "sans,10"
set output "perf-c.png"
set title "(c) Cost of one inference against input activity\\n%d cores x %d neurons, %d synapses, %d timesteps; QEMU TCG"
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
plot "perf-c.dat" using 1:5:6:7 with yerrorlines lw 2 pt 7 title "QEMU host CPU (all threads; left axis)", \\
     "" using 1:2:3:4 axes x1y2 with yerrorlines lw 2 pt 5 title "guest CPU (benchmark process; right axis)", \\
     "" using 1:8:9:10 with yerrorlines lw 1 dt 2 pt 9 title "wall time (left axis)"
''' % (c['network']['cores'], c['network']['neurons_per_core'], c['network']['synapses'],
       c['network']['timesteps'], c['network']['input_axons']))


def write_plot_d(out, ver, ver_b2b, period):
    with open(os.path.join(out, 'perf-d.dat'), 'w') as f:
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
    gnuplot(out, 'perf-d', '''# SPDX-License-Identifier: GPL-2.0
# (d) p99 latency alone and with four processes (scripts/bench-report.py)
set terminal pngcairo size 900,520 font "sans,10"
set output "perf-d.png"
set title "(d) Digits classifier, p99 latency per image: each process alone vs four at once\\n(one process per cluster; %s: the target's measurement; labels: ratio, target <= 1.5x)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "p99 latency per image (ms)"
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
set grid ytics
set key top left
plot "perf-d.dat" using 2:xtic(1) title "alone, %s", \\
     "" using 3 title "four at once, %s", \\
     "" using ($0%+.3f):($3):(sprintf("%%.2fx", $4)) with labels offset 0,0.8 notitle%s
''' % (what, mode, mode, -0.1 if ver_b2b else 1 / 6, extra))


if __name__ == '__main__':
    sys.exit(main())
