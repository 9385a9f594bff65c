#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""KTAP/TAP result parsing shared by the snndev test runners.

Counts results at the leaf level: a result line is a leaf when no result
lines of nested (more indented) subtests come right before it.  A parent
that says "not ok" although none of its leaves failed (it crashed after
its subtests, say) counts as one more failure, and so does every test that
a plan ("1..N") announced but that never reported.

  ok 1 name                 -> passed
  not ok 1 name             -> failed
  ok 1 name # SKIP reason   -> skipped
  not ok 1 name # TODO ...  -> skipped (known failure)

As a program:
  ktap.py FILE...          per-file counts, failures, and a total line
  ktap.py --counts FILE    one line "PASSED FAILED SKIPPED", then the names
                           of the failures, one per line
"""

import re
import sys

RESULT_RE = re.compile(r'^(\s*)(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$')
PLAN_RE = re.compile(r'^(\s*)1\.\.(\d+)\s*(?:#.*)?$')


class Leaf:
    __slots__ = ('status', 'name', 'directive', 'path')

    def __init__(self, status, name, directive, path):
        self.status = status          # 'pass', 'fail', 'skip'
        self.name = name
        self.directive = directive
        self.path = path              # parent names, outermost first

    @property
    def full_name(self):
        return '.'.join([p for p in self.path if p] + [self.name])


class Result:
    def __init__(self):
        self.leaves = []
        self.extra_failures = []      # strings: reasons without a leaf

    @property
    def passed(self):
        return sum(1 for l in self.leaves if l.status == 'pass')

    @property
    def failed(self):
        return sum(1 for l in self.leaves if l.status == 'fail') + len(self.extra_failures)

    @property
    def skipped(self):
        return sum(1 for l in self.leaves if l.status == 'skip')

    def failures(self):
        out = [l.full_name for l in self.leaves if l.status == 'fail']
        return out + self.extra_failures


def _status(okword, directive):
    d = (directive or '').strip().upper()
    if d.startswith('SKIP'):
        return 'skip'
    if d.startswith('TODO'):
        return 'skip'
    if d.startswith('XFAIL'):
        return 'pass'
    return 'pass' if okword == 'ok' else 'fail'


def parse(text, top_name=''):
    """Parse KTAP/TAP text; returns a Result."""
    res = Result()
    # results and plans with their indentation, in order
    items = []
    for line in text.splitlines():
        line = line.rstrip('\r')
        m = RESULT_RE.match(line)
        if m:
            items.append(('result', len(m.group(1).expandtabs(8)), m.group(2),
                          m.group(4).strip(), m.group(5)))
            continue
        m = PLAN_RE.match(line)
        if m:
            items.append(('plan', len(m.group(1).expandtabs(8)), int(m.group(2))))

    # Walk with a stack of open blocks: indent -> [plan, count, failed_leaves]
    blocks = {}
    prev_result_indent = None
    # results of deeper levels collected since the last result at each level
    pending = []   # list of (indent, Leaf or None)

    def close_deeper(indent, parent_name):
        """Close blocks deeper than indent; check their plans."""
        missing = 0
        for ind in sorted([i for i in blocks if i > indent], reverse=True):
            plan, count, _ = blocks.pop(ind)
            if plan is not None and count < plan:
                for k in range(count + 1, plan + 1):
                    res.extra_failures.append(
                        '%s: subtest %d of %d did not report' %
                        (parent_name or top_name or 'test', k, plan))
                    missing += 1
        return missing

    for it in items:
        if it[0] == 'plan':
            _, ind, n = it
            blk = blocks.setdefault(ind, [None, 0, 0])
            blk[0] = n
            continue
        _, ind, okword, name, directive = it
        status = _status(okword, directive)
        is_leaf = prev_result_indent is None or prev_result_indent <= ind
        if not is_leaf:
            # the subtests of this parent: collected pending items deeper than ind
            children = [l for (i, l) in pending if i > ind]
            pending = [(i, l) for (i, l) in pending if i <= ind]
            path_name = name
            for l in children:
                l.path.insert(0, path_name)
            missing = close_deeper(ind, name)
            child_failed = missing or any(l.status == 'fail' for l in children)
            if status == 'fail' and not child_failed:
                res.extra_failures.append('%s: %s' % (name, directive or 'failed'))
        else:
            leaf = Leaf(status, name, directive, [])
            res.leaves.append(leaf)
            pending.append((ind, leaf))
        blk = blocks.setdefault(ind, [None, 0, 0])
        blk[1] += 1
        prev_result_indent = ind

    # unclosed blocks (e.g. the output stopped): check every plan
    for ind in sorted(blocks, reverse=True):
        plan, count, _ = blocks[ind]
        if plan is not None and count < plan:
            for k in range(count + 1, plan + 1):
                res.extra_failures.append('%s: test %d of %d did not report' %
                                          (top_name or 'test', k, plan))
    if top_name:
        for l in res.leaves:
            l.path.insert(0, top_name)
    return res


def summary_line(passed, failed, skipped):
    s = '%d passed, %d failed' % (passed, failed)
    if skipped:
        s += ', %d skipped' % skipped
    return s


def main(argv):
    if len(argv) == 3 and argv[1] == '--counts':
        with open(argv[2], errors='replace') as f:
            r = parse(f.read())
        print('%d %d %d' % (r.passed, r.failed, r.skipped))
        for n in r.failures():
            print(n)
        return 0
    tp = tf = ts = 0
    for path in argv[1:]:
        with open(path, errors='replace') as f:
            r = parse(f.read())
        print('%s: %s' % (path, summary_line(r.passed, r.failed, r.skipped)))
        for n in r.failures():
            print('  FAIL %s' % n)
        tp += r.passed
        tf += r.failed
        ts += r.skipped
    print(summary_line(tp, tf, ts))
    return 1 if tf else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
