#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a Debian kernel in QEMU (TCG) with emulated snn boards and run tests.

  vm-run.py --device snn-pci,id=snn0 --device snn-pci,id=snn1,clusters=2 \\
            --module build/driver/snn.ko \\
            --test 'build/selftests/model/model_test --expect @snn0@ clusters=4'

The guest is a busybox initramfs built on the fly: /init mounts proc, sysfs,
devtmpfs, debugfs and a tmpfs on /tmp, loads the kernel's own modules named
with --kmod (with their dependencies) and then the --module files, in order,
runs each --test (a static binary or a /bin/sh script) with a time limit
(--test-timeout) and powers off.  Each module load and each test is one
top-level KTAP result; a test's own KTAP output is nested under it.

Dynamically linked programs (the guest has no libc of its own): --dyn
HOST:GUEST copies HOST to GUEST together with every library `ldd HOST`
lists and its ELF interpreter; the libraries go to /lib/x86_64-linux-gnu/
(a default search directory of the guest's loader) unless a --tree already
holds them.  --tree DIR copies a whole directory tree (e.g. a `make install
DESTDIR=DIR PREFIX=/usr`) into the guest's root; ldd finds libraries
installed there.  --group NAME:GID[:MEMBERS] and --user NAME:UID:GID add
lines to /etc/group and /etc/passwd (root's are always there).

Serial ports:
  ttyS0  kernel console             -> LOG/console.log
  ttyS1  test output, KTAP only     -> LOG/ktap.log
  ttyS2  host agent: the guest sends one line, the runner answers one line
         (guest side: /bin/snn-agent 'UNPLUG snn1'):
           PING                      -> OK "pong"
           UNPLUG <id>               -> device_del, wait for DEVICE_DELETED
           PLUG <driver,id=..,bus=..,props>  -> device_add
           QMP <json>                -> any QMP command, OK <return json>
           CPUTIME                   -> the QEMU process's CPU time, all
                                        threads: OK {"cpu_ns": N, ...}
         Replies are "OK <json>" or "ERR <message>".

Each --device gets its own pcie-root-port (id rpN, at 00:(2+N).0, so the
board appears at 0000:(N+1):00.0) unless it names a bus itself.  In test
arguments, @ID@ is replaced by the guest PCI address of the device with that
id (e.g. @snn0@ -> 0000:01:00.0), @rpN@ by its root port's address, and
@ID:device@ by the device's whole -device string, bus included (what PLUG
takes to put it back after an UNPLUG).

USB boards (--device snn-usb,...): the VM gets one xHCI controller,
`qemu-xhci,id=xhci,p2=8,p3=4` at 00:1d.0, whose ports 1-4 are USB 3 (and
USB 2) ports and 5-8 USB 2 only.  The pseudo-property speed=super (the
default) or speed=high picks the next free port of that kind (it is not
passed to QEMU); a device that names bus= itself keeps it.  @ID@ of a USB
device is its xHCI port number, @ID:device@ its -device string with
bus=xhci.0,port=N (for PLUG; UNPLUG is immediate for USB).  The guest
kernel's xhci_pci and what it depends on (usbcore, ...) are loaded first
(--kmod) unless that kernel has them built in.  --usb adds the controller
without any USB device (for a later PLUG).

The result: per-test lines, the console scanned for kernel warnings/oopses
(each counts as a failure), the boot-to-first-test time, and as the last
line "N passed, N failed[, N skipped]".  Exit status 0 only if nothing
failed.
"""

import argparse
import gzip
import io
import json
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.environ.get('B') or os.path.join(ROOT, 'build')

CONSOLE_PATTERNS = [
    ('BUG:', re.compile(r'\bBUG:')),
    ('WARNING:', re.compile(r'\bWARNING:')),
    ('Oops', re.compile(r'\bOops\b')),
    ('general protection', re.compile(r'general protection')),
    ('KASAN', re.compile(r'\bKASAN\b')),
    ('UBSAN', re.compile(r'\bUBSAN\b')),
    ('kernel panic', re.compile(r'[Kk]ernel panic')),
    # (lockdep's "WARNING: possible circular locking ..." and the like
    # match WARNING:; these say INFO:, and kmemleak's report, when a test
    # copies it to the console, says neither)
    ('INFO:', re.compile(r'\bINFO: (task \S+ blocked for more than|'
                         r'trying to register non-static key|'
                         r'rcu_\w+ (self-)?detected stall)')),
    ('kmemleak', re.compile(r'\bunreferenced object 0x')),
]
CALL_TRACE = re.compile(r'Call Trace')

BOOT_MARK = 'SNNDEV-BOOT-DONE'
DONE_MARK = 'SNNDEV-ALL-DONE'
START_MARK = 'SNNDEV-TEST-START'
END_MARK = 'SNNDEV-TEST-END'


def log(msg):
    print(msg, flush=True)


# --------------------------------------------------------------------------
# initramfs (cpio newc, gzip), written without root: device nodes included
# --------------------------------------------------------------------------
class Cpio:
    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1
        self.names = set()

    def _entry(self, name, mode, data=b'', rdev=(0, 0), nlink=1):
        name = name.lstrip('/')
        if name in self.names:
            raise ValueError('duplicate initramfs entry: ' + name)
        self.names.add(name)
        nb = name.encode() + b'\0'
        hdr = '070701' + ''.join('%08x' % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0,
            rdev[0], rdev[1], len(nb), 0))
        self.ino += 1
        self.buf.write(hdr.encode() + nb)
        self.buf.write(b'\0' * ((4 - (110 + len(nb)) % 4) % 4))
        self.buf.write(data)
        self.buf.write(b'\0' * ((4 - len(data) % 4) % 4))

    def dir(self, name, mode=0o755):
        parts = name.strip('/').split('/')
        for i in range(1, len(parts) + 1):
            p = '/'.join(parts[:i])
            if p not in self.names:
                self._entry(p, stat.S_IFDIR | mode, nlink=2)

    def file(self, name, data, mode=0o644):
        parent = os.path.dirname(name.strip('/'))
        if parent:
            self.dir(parent)
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor, mode=0o600):
        self._entry(name, stat.S_IFCHR | mode, rdev=(major, minor))

    def finish(self):
        self._entry('TRAILER!!!', 0, nlink=1)
        data = self.buf.getvalue()
        data += b'\0' * ((512 - len(data) % 512) % 512)
        return gzip.compress(data, compresslevel=6)


def elf_interp(path):
    """Return the ELF interpreter of path, '' for a static ELF, None if not ELF."""
    with open(path, 'rb') as f:
        hdr = f.read(64)
        if hdr[:4] != b'\x7fELF':
            return None
        if hdr[4] != 2:
            return ''          # 32-bit: do not bother
        phoff, = struct.unpack_from('<Q', hdr, 0x20)
        phentsize, phnum = struct.unpack_from('<HH', hdr, 0x36)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            ph = f.read(phentsize)
            ptype, = struct.unpack_from('<I', ph, 0)
            if ptype == 3:
                off, = struct.unpack_from('<Q', ph, 8)
                size, = struct.unpack_from('<Q', ph, 32)
                f.seek(off)
                return f.read(size).rstrip(b'\0').decode(errors='replace')
    return ''


def resolve_kmods(mdir, names):
    """Modules of a kernel tree by name, dependencies first, decompressed."""
    dep_file = os.path.join(mdir, 'modules.dep')
    if not os.path.isfile(dep_file):
        sys.exit('vm-run: %s missing (run scripts/get-kernel.sh; needs depmod)' % dep_file)
    deps, by_name = {}, {}
    with open(dep_file) as f:
        for line in f:
            mod, _, rest = line.partition(':')
            mod = mod.strip()
            deps[mod] = rest.split()
            base = os.path.basename(mod).split('.ko')[0].replace('-', '_')
            by_name[base] = mod
    order = []

    def visit(mod, stack=()):
        if mod in order or mod in stack:
            return
        for d in reversed(deps.get(mod, [])):
            visit(d, stack + (mod,))
        order.append(mod)

    for n in names:
        key = n.replace('-', '_')
        if key.endswith('.ko'):
            key = key[:-3]
        if key not in by_name:
            sys.exit('vm-run: no module %s in %s (built in?)' % (n, mdir))
        visit(by_name[key])
    out = []
    for i, mod in enumerate(order):
        path = os.path.join(mdir, mod)
        with open(path, 'rb') as f:
            data = f.read()
        if mod.endswith('.xz'):
            import lzma
            data = lzma.decompress(data)
        elif mod.endswith('.zst'):
            data = subprocess.run(['zstd', '-dcq', path], check=True,
                                  stdout=subprocess.PIPE).stdout
        elif mod.endswith('.gz'):
            data = gzip.decompress(data)
        name = os.path.basename(mod).split('.ko')[0] + '.ko'
        out.append(('%02d-%s' % (i, name), data))
    return out


def kernel_modules_dir(kernel, given=None):
    """lib/modules/<release> of the kernel image: --modules-dir, or found
    beside it ($B/kernel/vmlinux -> $B/kernel/modules; .../boot/vmlinux-REL
    -> .../lib/modules/REL), else $B/kernel/modules."""
    if given:
        return given
    cands = [os.path.join(os.path.dirname(os.path.abspath(kernel)), 'modules')]
    m = re.match(r'^(.*)/boot/vmlinu[xz]-(.+)$', os.path.realpath(kernel))
    if m:
        cands.append(os.path.join(m.group(1), 'lib', 'modules', m.group(2)))
    for c in cands:
        if os.path.isfile(os.path.join(c, 'modules.dep')):
            return c
    return os.path.join(B, 'kernel', 'modules')


def module_deps(path, mdir):
    """The modules the .ko @path depends on (modinfo) that @mdir has as
    modules: they are loaded first.  Built-in ones are left out."""
    r = subprocess.run(['/sbin/modinfo', '-F', 'depends', path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       universal_newlines=True)
    deps = [d.strip().replace('-', '_') for d in r.stdout.split(',') if d.strip()]
    dep_file = os.path.join(mdir, 'modules.dep')
    if not deps or not os.path.isfile(dep_file):
        return []
    with open(dep_file) as f:
        have = set(os.path.basename(line.partition(':')[0]).split('.ko')[0]
                   .replace('-', '_') for line in f)
    return [d for d in deps if d in have]


USB_HCD_MODULE = 'xhci_pci'
USB_XHCI_PORTS = {'super': range(1, 5), 'high': range(5, 9)}


def usb_hcd_kmods(kernel, mdir):
    """The kernel's modules to load for the xHCI controller: [] when the
    kernel has it built in, None when that cannot be told."""
    cfg = os.path.join(os.path.dirname(os.path.abspath(kernel)), 'config')
    if os.path.isfile(cfg):
        with open(cfg) as f:
            if re.search(r'^CONFIG_USB_XHCI_PCI=y$', f.read(), re.M):
                return []
    builtin = os.path.join(mdir, 'modules.builtin')
    if os.path.isfile(builtin):
        with open(builtin) as f:
            if re.search(r'/xhci-pci\.ko$', f.read(), re.M):
                return []
    dep = os.path.join(mdir, 'modules.dep')
    if os.path.isfile(dep):
        with open(dep) as f:
            if re.search(r'/xhci-pci\.ko[^:]*:', f.read()):
                return [USB_HCD_MODULE]
    return None


INIT_SCRIPT = r'''#!/bin/busybox sh
# snndev test VM /init (generated by scripts/vm-run.py)
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/tests
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
K=/dev/ttyS1
stty -F $K raw -echo 2>/dev/null
stty -F /dev/ttyS2 raw -echo 2>/dev/null
up() { cut -d' ' -f1 /proc/uptime; }
echo "# @BOOT_MARK@ uptime=$(up)" > $K
echo "KTAP version 1" > $K
echo "1..@PLAN@" > $K
n=0
load_module() {
	n=$((n + 1))
	if out=$(insmod "/modules/$1" 2>&1); then
		echo "ok $n insmod_$1" > $K
	else
		echo "# insmod $1: $out" > $K
		echo "not ok $n insmod_$1" > $K
	fi
}
run_test() {
	name=$1; tmo=$2; shift 2
	n=$((n + 1))
	echo "# @START_MARK@ $name uptime=$(up)" > $K
	{ timeout -s TERM "$tmo" "$@" < /dev/null 2>&1; echo $? > /tmp/.rc; } |
		sed 's/^/    /' > $K
	rc=$(cat /tmp/.rc)
	echo "# @END_MARK@ $name uptime=$(up) rc=$rc" > $K
	if [ "$rc" = 0 ]; then
		echo "ok $n $name" > $K
	elif [ "$rc" = 4 ]; then
		echo "ok $n $name # SKIP" > $K
	elif [ "$rc" = 143 ]; then
		echo "not ok $n $name # timed out after ${tmo}s" > $K
	elif [ "$rc" -gt 128 ]; then
		echo "not ok $n $name # killed by signal $((rc - 128))" > $K
	else
		echo "not ok $n $name # exit status $rc" > $K
	fi
}
@BODY@
echo "# @DONE_MARK@ uptime=$(up)" > $K
sync
poweroff -f
'''

AGENT_SCRIPT = r'''#!/bin/sh
# snn-agent COMMAND...: send one command line to the host-side runner over
# /dev/ttyS2 and print its one-line reply ("OK <json>" or "ERR <message>").
# Exit status 0 for OK.  Commands: PING, UNPLUG <id>,
# PLUG <driver,id=...,bus=...>, QMP <json>.
dev=/dev/ttyS2
lock=/tmp/.snn-agent.lock
i=0
until mkdir "$lock" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 600 ] && { echo "ERR agent lock busy"; exit 1; }
	sleep 0.1
done
trap 'rmdir "$lock" 2>/dev/null' EXIT
stty -F $dev raw -echo 2>/dev/null
exec 3<>$dev
printf '%s\n' "$*" >&3
if ! IFS= read -r -t "${SNN_AGENT_TIMEOUT:-120}" reply <&3; then
	echo "ERR no reply from the host agent"
	exit 1
fi
reply=$(printf '%s' "$reply" | tr -d '\r')
echo "$reply"
case "$reply" in
OK*) exit 0 ;;
*) exit 1 ;;
esac
'''


def ldd_libs(path, lib_dirs):
    """(interpreter, [library paths]) of a dynamic ELF, as ldd resolves
    them with lib_dirs first on the search path."""
    env = dict(os.environ)
    if lib_dirs:
        env['LD_LIBRARY_PATH'] = ':'.join(
            lib_dirs + [p for p in env.get('LD_LIBRARY_PATH', '').split(':') if p])
    out = subprocess.run(['ldd', path], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True)
    if out.returncode != 0:
        sys.exit('vm-run: ldd %s failed:\n%s' % (path, out.stdout))
    libs = []
    for line in out.stdout.splitlines():
        line = line.strip()
        if 'not found' in line:
            sys.exit('vm-run: %s: a library is missing: %s' % (path, line))
        m = re.match(r'^(\S+) => (/\S+) \(0x[0-9a-f]+\)$', line)
        if m:
            libs.append(m.group(2))
    return elf_interp(path), libs


def add_tree(c, root):
    """Every directory, file and symbolic link under root, at the same
    place in the guest's root."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if rel != '.':
            c.dir(rel)
        for name in sorted(dirnames + filenames):
            host = os.path.join(dirpath, name)
            guest = os.path.normpath(os.path.join(rel, name))
            if os.path.islink(host):
                c.symlink(guest, os.readlink(host))
            elif os.path.isfile(host):
                with open(host, 'rb') as f:
                    c.file(guest, f.read(), os.stat(host).st_mode & 0o7777)


def add_dyn(c, host, guest, trees):
    """A dynamic program and the libraries it needs (see --dyn)."""
    lib_dirs = sorted({os.path.dirname(os.path.join(dp, f))
                       for t in trees for dp, _, fs in os.walk(t)
                       for f in fs if '.so' in f})
    interp, libs = ldd_libs(host, lib_dirs)
    if interp is None:
        sys.exit('vm-run: --dyn %s: not an ELF file' % host)
    if guest.lstrip('/') not in c.names:
        with open(host, 'rb') as f:
            c.file(guest, f.read(), 0o755)
    wanted = []
    if interp:
        wanted.append((os.path.realpath(interp), interp))
    for lib in libs:
        real = os.path.realpath(lib)
        if any(real.startswith(os.path.realpath(t) + '/') for t in trees):
            continue            # the tree has it where the loader looks
        wanted.append((real, '/lib/x86_64-linux-gnu/' + os.path.basename(lib)))
    for real, where in wanted:
        if where.lstrip('/') in c.names:
            continue
        with open(real, 'rb') as f:
            c.file(where, f.read(), 0o755)


def build_initramfs(path, tests, modules, files, busybox, extra=None):
    extra = extra or {}
    c = Cpio()
    for d in ('bin', 'sbin', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp',
              'run', 'etc', 'root', 'modules', 'tests', 'lib'):
        c.dir(d)
    c.chardev('dev/console', 5, 1)
    c.chardev('dev/null', 1, 3, 0o666)
    c.chardev('dev/ttyS0', 4, 64)
    c.chardev('dev/ttyS1', 4, 65)
    c.chardev('dev/ttyS2', 4, 66)
    with open(busybox, 'rb') as f:
        c.file('bin/busybox', f.read(), 0o755)
    c.symlink('bin/sh', 'busybox')
    c.file('bin/snn-agent', AGENT_SCRIPT.encode(), 0o755)
    passwd = 'root:x:0:0:root:/root:/bin/sh\n'
    for u in extra.get('users', []):
        name, uid, gid = u.split(':')[:3]
        passwd += '%s:x:%s:%s:%s:/tmp:/bin/sh\n' % (name, uid, gid, name)
    group = 'root:x:0:\n'
    for g in extra.get('groups', []):
        parts = (g.split(':') + [''] * 3)[:3]
        group += '%s:x:%s:%s\n' % tuple(parts)
    c.file('etc/passwd', passwd.encode())
    c.file('etc/group', group.encode())
    for tree in extra.get('trees', []):
        add_tree(c, tree)
    for host, guest in extra.get('dyns', []):
        add_dyn(c, host, guest, extra.get('trees', []))

    body = []
    for name, data in modules:
        c.file('modules/' + name, data)
        body.append('load_module %s' % shlex.quote(name))
    for host, guest in files:
        with open(host, 'rb') as f:
            mode = os.stat(host).st_mode & 0o777
            c.file(guest.lstrip('/'), f.read(), mode)
    seen = set()
    for t in tests:
        binname = os.path.basename(t['path'])
        gpath = 'tests/' + binname
        if gpath not in seen:
            seen.add(gpath)
            with open(t['path'], 'rb') as f:
                c.file(gpath, f.read(), 0o755)
        body.append('run_test %s %d %s' % (
            shlex.quote(t['name']), t['timeout'],
            ' '.join(shlex.quote(a) for a in ['/' + gpath] + t['args'])))
    init = (INIT_SCRIPT.replace('@BODY@', '\n'.join(body))
            .replace('@PLAN@', str(len(modules) + len(tests)))
            .replace('@BOOT_MARK@', BOOT_MARK).replace('@DONE_MARK@', DONE_MARK)
            .replace('@START_MARK@', START_MARK).replace('@END_MARK@', END_MARK))
    c.file('init', init.encode(), 0o755)
    with open(path, 'wb') as f:
        f.write(c.finish())


# --------------------------------------------------------------------------
# QMP client and the host agent
# --------------------------------------------------------------------------
class QMPError(Exception):
    pass


class QMP:
    def __init__(self, path, timeout=30, trace=None):
        self.sock = connect_unix(path, timeout)
        self.buf = b''
        self.events = []
        self.trace = trace
        greeting = self._read(timeout)
        if 'QMP' not in greeting:
            raise QMPError('no QMP greeting: %r' % greeting)
        self.cmd('qmp_capabilities')

    def _read(self, timeout):
        """Next JSON message; socket.timeout if none within timeout."""
        deadline = time.time() + timeout
        while b'\n' not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise socket.timeout('QMP read timed out')
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise QMPError('QMP connection closed (QEMU exited?)')
            self.buf += data
        line, self.buf = self.buf.split(b'\n', 1)
        if self.trace:
            self.trace('qmp< ' + line.decode(errors='replace'))
        return json.loads(line)

    def cmd(self, execute, args=None, timeout=60):
        msg = {'execute': execute}
        if args is not None:
            msg['arguments'] = args
        return self.raw(msg, timeout)

    def raw(self, msg, timeout=60):
        if self.trace:
            self.trace('qmp> ' + json.dumps(msg))
        self.sock.sendall(json.dumps(msg).encode() + b'\n')
        deadline = time.time() + timeout
        while True:
            try:
                r = self._read(max(0.1, deadline - time.time()))
            except socket.timeout:
                raise QMPError('no reply to %s within %ds' % (msg.get('execute'), timeout))
            if 'event' in r:
                self.events.append(r)
                continue
            if 'error' in r:
                raise QMPError('%s: %s' % (r['error'].get('class', 'Error'),
                                           r['error'].get('desc', '')))
            if 'return' in r:
                return r['return']

    def wait_event(self, name, match, timeout):
        deadline = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get('event') == name and match(e.get('data', {})):
                    del self.events[i]
                    return e
            left = deadline - time.time()
            if left <= 0:
                raise QMPError('timed out after %ds waiting for %s' % (timeout, name))
            try:
                r = self._read(left)
            except socket.timeout:
                continue
            if 'event' in r:
                self.events.append(r)


def connect_unix(path, timeout):
    deadline = time.time() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.time() > deadline:
                raise
            time.sleep(0.05)


class Agent(threading.Thread):
    """Serves the guest's ttyS2 requests."""

    def __init__(self, sock_path, qmp_path, logf, unplug_timeout,
                 qemu_pid=None):
        super().__init__(daemon=True)
        self.qemu_pid = qemu_pid
        self.sock_path = sock_path
        self.qmp_path = qmp_path
        self.logf = logf
        self.unplug_timeout = unplug_timeout
        self.qmp = None
        self.stop = False
        self.error = None

    def note(self, s):
        self.logf.write('%.3f %s\n' % (time.time(), s))
        self.logf.flush()

    def run(self):
        try:
            sock = connect_unix(self.sock_path, 30)
            self.qmp = QMP(self.qmp_path, trace=self.note)
        except Exception as e:  # QEMU died early: the main loop reports it
            self.error = str(e)
            return
        buf = b''
        sock.settimeout(0.5)
        while not self.stop:
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            buf += data
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                line = line.decode(errors='replace').strip('\r\0 ')
                if not line:
                    continue
                self.note('<- ' + line)
                reply = self.handle(line)
                self.note('-> ' + reply)
                try:
                    sock.sendall(reply.encode() + b'\n')
                except OSError:
                    return

    def cputime(self):
        """CPU time of the QEMU process (every thread: the emulated CPUs,
        the board's workers), user + system: ns from its CPU-time clock,
        and utime/stime in seconds from /proc (clock-tick resolution)."""
        if not self.qemu_pid:
            raise OSError('QEMU process unknown')
        out = {}
        with open('/proc/%d/stat' % self.qemu_pid) as f:
            st = f.read().rsplit(')', 1)[1].split()
        hz = os.sysconf('SC_CLK_TCK')
        out['utime_s'] = int(st[11]) / hz
        out['stime_s'] = int(st[12]) / hz
        try:
            # the process CPU-time clock of another process:
            # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
            out['cpu_ns'] = time.clock_gettime_ns(((~self.qemu_pid) << 3) | 2)
        except (OSError, AttributeError):
            out['cpu_ns'] = int((out['utime_s'] + out['stime_s']) * 1e9)
        return out

    def handle(self, line):
        cmd, _, arg = line.partition(' ')
        cmd = cmd.upper()
        arg = arg.strip()
        try:
            if cmd == 'PING':
                return 'OK "pong"'
            if cmd == 'CPUTIME':
                return 'OK ' + json.dumps(self.cputime())
            if cmd == 'UNPLUG':
                if not arg:
                    return 'ERR UNPLUG needs a device id'
                t0 = time.time()
                self.qmp.cmd('device_del', {'id': arg})
                self.qmp.wait_event('DEVICE_DELETED',
                                    lambda d: d.get('device') == arg,
                                    self.unplug_timeout)
                return 'OK ' + json.dumps({'id': arg, 'deleted': True,
                                           'seconds': round(time.time() - t0, 2)})
            if cmd == 'PLUG':
                if not arg:
                    return 'ERR PLUG needs a device description'
                # HMP parses "driver,key=value,..." exactly like -device
                out = self.qmp.cmd('human-monitor-command',
                                   {'command-line': 'device_add ' + arg})
                if out.strip():
                    return 'ERR ' + ' '.join(out.split())
                return 'OK ' + json.dumps({'added': arg})
            if cmd == 'QMP':
                msg = json.loads(arg)
                if 'execute' not in msg:
                    return 'ERR QMP needs {"execute": ...}'
                return 'OK ' + json.dumps(self.qmp.raw(msg))
            return 'ERR unknown command ' + cmd
        except (QMPError, ValueError, OSError) as e:
            return 'ERR ' + ' '.join(str(e).split())


# --------------------------------------------------------------------------
# result analysis
# --------------------------------------------------------------------------
SPLAT_END = re.compile(r'---\[ end trace |^\S*\s*</TASK>')


def scan_console(text, ignore=(), ignored=None):
    """Return a list of (pattern, line) for each kernel problem report.

    A report's splat runs from 2 lines before it to its end of trace (at
    most 100 lines); a Call Trace inside it is part of it, one outside any
    is a report of its own.  ignore: regexes; a report whose splat matches
    one is left out, and counted in ignored[0] if given."""
    hits = []
    covered = -1            # last line of the last report's splat
    lines = text.splitlines()
    for i, line in enumerate(lines):
        for name, rx in CONSOLE_PATTERNS:
            if rx.search(line):
                end = i + 1
                while end < min(len(lines) - 1, i + 100) and \
                        not SPLAT_END.search(lines[end]):
                    end += 1
                covered = max(covered, end)
                block = '\n'.join(lines[max(0, i - 2):end + 1])
                if any(x.search(block) for x in ignore):
                    if ignored is not None:
                        ignored[0] += 1
                    break
                hits.append((name, line.strip()))
                break
        else:
            if CALL_TRACE.search(line) and i > covered:
                hits.append(('Call Trace', line.strip()))
                covered = i + 100
    return hits


def split_tests(ktext):
    """Split the KTAP log into per-test sections: name -> dict."""
    secs = {}
    cur = None
    top_re = re.compile(r'^(not ok|ok)\s+\d+\s+(\S+)\s*(?:#\s*(.*))?$')
    for line in ktext.splitlines():
        line = line.rstrip('\r')
        m = re.match(r'^# %s (\S+) uptime=([\d.]+)' % START_MARK, line)
        if m:
            cur = {'name': m.group(1), 'start': float(m.group(2)), 'lines': [],
                   'end': None, 'result': None, 'directive': ''}
            secs[cur['name']] = cur
            continue
        m = re.match(r'^# %s (\S+) uptime=([\d.]+)' % END_MARK, line)
        if m and m.group(1) in secs:
            secs[m.group(1)]['end'] = float(m.group(2))
            continue
        m = top_re.match(line)
        if m:
            name = m.group(2)
            s = secs.setdefault(name, {'name': name, 'start': None, 'end': None,
                                       'lines': [], 'result': None, 'directive': ''})
            s['result'] = m.group(1)
            s['directive'] = m.group(3) or ''
            cur = None
            continue
        if cur is not None:
            cur['lines'].append(line[4:] if line.startswith('    ') else line)
    return secs


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--qemu', default=os.path.join(B, 'qemu', 'qemu-system-x86_64'))
    kdef = os.path.join(B, 'kernel', 'vmlinux')     # PVH: no decompression
    if not os.path.exists(kdef):
        kdef = os.path.join(B, 'kernel', 'vmlinuz')
    ap.add_argument('--kernel', default=kdef,
                    help='bzImage or PVH vmlinux (default: $B/kernel/vmlinux '
                    'if present, else $B/kernel/vmlinuz)')
    ap.add_argument('--busybox', default='/bin/busybox')
    ap.add_argument('--timeout', type=int, default=900,
                    help='hard wall-clock limit for the whole VM (s)')
    ap.add_argument('--test-timeout', type=int, default=300,
                    help='limit for each test inside the guest (s)')
    ap.add_argument('--device', action='append', default=[],
                    help="-device string, e.g. 'snn-pci,id=snn0,clusters=2'")
    ap.add_argument('--spare-ports', type=int, default=0,
                    help='extra empty pcie-root-ports (for PLUG)')
    ap.add_argument('--usb', action='store_true',
                    help='an xHCI controller even without USB devices')
    ap.add_argument('--iommu', action='store_true', help='add an intel-iommu')
    ap.add_argument('--tsc-reliable', action='store_true',
                    help='guest cmdline tsc=reliable: the TSC as clock '
                    '(faster clock reads; for benchmarks)')
    ap.add_argument('--acpi-hotplug', action='store_true',
                    help="hot-plug through ACPI (the guest's acpiphp) "
                    "instead of native PCIe hotplug (pciehp): no 5 s "
                    "attention-button wait; needs CONFIG_HOTPLUG_PCI_ACPI")
    ap.add_argument('--test', action='append', default=[],
                    help="'PATH [args]' (a static binary; @ID@ = PCI address)")
    ap.add_argument('--module', action='append', default=[],
                    help='kernel module (.ko) to insmod before the tests')
    ap.add_argument('--kmod', action='append', default=[],
                    help="a module of the kernel's own tree, by name (e.g. "
                    "virtio_pci): loaded with its dependencies before --module")
    ap.add_argument('--modules-dir', default=None,
                    help='lib/modules/<release> of the kernel (default: '
                    '$B/kernel/modules; needs modules.dep, see get-kernel.sh)')
    ap.add_argument('--file', action='append', default=[],
                    help='HOST:GUEST extra file for the initramfs')
    ap.add_argument('--dyn', action='append', default=[], metavar='HOST:GUEST',
                    help='a dynamically linked program: copied with the '
                    'libraries ldd lists and its interpreter')
    ap.add_argument('--tree', action='append', default=[], metavar='DIR',
                    help="a directory tree copied into the guest's root "
                    "(e.g. make install DESTDIR=DIR PREFIX=/usr)")
    ap.add_argument('--group', action='append', default=[],
                    metavar='NAME:GID[:MEMBERS]', help='an /etc/group line')
    ap.add_argument('--user', action='append', default=[],
                    metavar='NAME:UID:GID', help='an /etc/passwd line')
    ap.add_argument('--append', action='append', default=[],
                    help='extra kernel command line (repeatable)')
    ap.add_argument('--memory', default='1G')
    ap.add_argument('--smp', default='2')
    ap.add_argument('--unplug-timeout', type=int, default=60)
    ap.add_argument('--log', help='log directory (default: $B/vm-logs/<time>)')
    ap.add_argument('--quiet', action='store_true', help='no live progress')
    ap.add_argument('--ignore-splat', action='append', default=[],
                    metavar='REGEX',
                    help='leave out console reports whose splat matches '
                    'REGEX (known bugs of the kernel, not of the code '
                    'under test)')
    ap.add_argument('--show-output', action='store_true',
                    help="print every test's output, not only failing ones'")
    args = ap.parse_args()

    for what, p in (('QEMU', args.qemu), ('kernel', args.kernel),
                    ('busybox', args.busybox)):
        if not os.path.exists(p):
            sys.exit('vm-run: %s not found: %s' % (what, p))

    # logs
    if args.log:
        logdir = args.log
    else:
        base = os.path.join(B, 'vm-logs')
        logdir = os.path.join(base, time.strftime('%Y%m%d-%H%M%S-') + str(os.getpid()))
        os.makedirs(base, exist_ok=True)
        old = sorted(d for d in os.listdir(base) if d != 'latest')
        for d in old[:-9]:
            shutil.rmtree(os.path.join(base, d), ignore_errors=True)
        latest = os.path.join(base, 'latest')
        try:
            if os.path.islink(latest):
                os.unlink(latest)
            os.symlink(os.path.basename(logdir), latest)
        except OSError:
            pass
    os.makedirs(logdir, exist_ok=True)
    console_log = os.path.join(logdir, 'console.log')
    ktap_log = os.path.join(logdir, 'ktap.log')
    for p in (console_log, ktap_log):
        open(p, 'w').close()

    # devices and their guest addresses
    qdev = []
    usb_qdev = []
    addr_of = {}
    device_of = {}
    port = 0
    usb_free = {k: list(v) for k, v in USB_XHCI_PORTS.items()}
    usb_devs = 0
    for d in args.device:
        props = d.split(',')
        dev_id = None
        for p in props[1:]:
            if p.startswith('id='):
                dev_id = p[3:]
        if props[0] == 'snn-usb' or any(p.startswith('speed=') for p in props[1:]):
            usb_devs += 1
            speed = 'super'
            for p in props[1:]:
                if p.startswith('speed='):
                    speed = p[6:]
            if speed not in usb_free:
                sys.exit('vm-run: --device %s: speed=%s (high or super)' % (d, speed))
            props = [p for p in props if not p.startswith('speed=')]
            d = ','.join(props)
            if not any(p.startswith('bus=') for p in props[1:]):
                if not usb_free[speed]:
                    sys.exit('vm-run: no free %s-speed xHCI port for %s' % (speed, d))
                uport = usb_free[speed].pop(0)
                d += ',bus=xhci.0,port=%d' % uport
                if dev_id:
                    addr_of[dev_id] = str(uport)
            if dev_id:
                device_of[dev_id] = d
            usb_qdev += ['-device', d]
            continue
        if not any(p.startswith('bus=') for p in props[1:]):
            rp = 'rp%d' % port
            qdev += ['-device', 'pcie-root-port,id=%s,bus=pcie.0,chassis=%d,slot=%d,addr=0x%x'
                     % (rp, port + 1, port + 1, port + 2)]
            addr_of[rp] = '0000:00:%02x.0' % (port + 2)
            if dev_id:
                addr_of[dev_id] = '0000:%02x:00.0' % (port + 1)
            d += ',bus=' + rp
            port += 1
        if dev_id:
            device_of[dev_id] = d
        qdev += ['-device', d]
    for _ in range(args.spare_ports):
        rp = 'rp%d' % port
        qdev += ['-device', 'pcie-root-port,id=%s,bus=pcie.0,chassis=%d,slot=%d,addr=0x%x'
                 % (rp, port + 1, port + 1, port + 2)]
        addr_of[rp] = '0000:00:%02x.0' % (port + 2)
        port += 1
    if usb_devs or args.usb:
        # on the root complex: the boards' bus numbers stay as they were
        qdev += ['-device', 'qemu-xhci,id=xhci,p2=8,p3=4,bus=pcie.0,addr=0x1d']
        qdev += usb_qdev

    def subst(s):
        s = re.sub(r'@([A-Za-z0-9_.-]+):device@',
                   lambda m: device_of.get(m.group(1), m.group(0)), s)
        return re.sub(r'@([A-Za-z0-9_.-]+)@',
                      lambda m: addr_of.get(m.group(1), m.group(0)), s)

    tests = []
    names = set()
    for t in args.test:
        words = shlex.split(t)
        if not words:
            continue
        path = words[0]
        if not os.path.isfile(path):
            sys.exit('vm-run: test binary not found: %s' % path)
        interp = elf_interp(path)
        if interp:
            sys.exit('vm-run: %s is dynamically linked (%s); the guest has no '
                     'libc: build it with -static' % (path, interp))
        name = re.sub(r'[^A-Za-z0-9_.-]', '_', os.path.basename(path))
        k = 2
        base_name = name
        while name in names:
            name = '%s-%d' % (base_name, k)
            k += 1
        names.add(name)
        tests.append({'path': path, 'name': name, 'timeout': args.test_timeout,
                      'args': [subst(a) for a in words[1:]]})
    for m in args.module:
        if not os.path.isfile(m):
            sys.exit('vm-run: module not found: %s' % m)
    modules = []          # (guest file name, bytes)
    mdir = kernel_modules_dir(args.kernel, args.modules_dir)
    kmods = list(args.kmod)
    if usb_devs or args.usb:
        hcd = usb_hcd_kmods(args.kernel, mdir)
        if hcd is None:
            log('vm-run: warning: cannot tell how %s gets its xHCI driver '
                '(no %s in %s): USB devices may not appear'
                % (args.kernel, USB_HCD_MODULE, mdir))
        kmods = [m for m in hcd or [] if m not in kmods] + kmods
    # what --module files need (snn.ko: usbcore), unless built in
    for m in args.module:
        kmods += [d for d in module_deps(m, mdir) if d not in kmods]
    if kmods:
        for path, data in resolve_kmods(mdir, kmods):
            modules.append((path, data))
    for m in args.module:
        with open(m, 'rb') as f:
            modules.append((os.path.basename(m), f.read()))
    files = []
    for spec in args.file:
        host, sep, guest = spec.partition(':')
        if not sep or not os.path.isfile(host):
            sys.exit('vm-run: bad --file %s (HOST:GUEST, HOST must exist)' % spec)
        files.append((host, guest))

    dyns = []
    for spec in args.dyn:
        host, sep, guest = spec.partition(':')
        if not sep or not guest.startswith('/') or not os.path.isfile(host):
            sys.exit('vm-run: bad --dyn %s (HOST:/GUEST, HOST must exist)' % spec)
        dyns.append((host, guest))
    for t in args.tree:
        if not os.path.isdir(t):
            sys.exit('vm-run: --tree %s: not a directory' % t)
    for g in args.group:
        if not re.match(r'^[a-z_][a-z0-9_-]*:\d+(:[a-z0-9_,-]*)?$', g):
            sys.exit('vm-run: bad --group %s (NAME:GID[:MEMBERS])' % g)
    for u in args.user:
        if not re.match(r'^[a-z_][a-z0-9_-]*:\d+:\d+$', u):
            sys.exit('vm-run: bad --user %s (NAME:UID:GID)' % u)
    extra = {'dyns': dyns, 'trees': args.tree, 'groups': args.group,
             'users': args.user}

    tmpdir = tempfile.mkdtemp(prefix='snnvm-')
    initrd = os.path.join(logdir, 'initramfs.cpio.gz')
    build_initramfs(initrd, tests, modules, files, args.busybox, extra)
    qmp_sock = os.path.join(tmpdir, 'qmp')
    agent_sock = os.path.join(tmpdir, 'agent')

    # cryptomgr.notests and mitigations=off: ~1.2 s less boot under TCG.
    cmdline = ('console=ttyS0,115200 panic=-1 oops=panic slub_debug=FZPU '
               'rdinit=/init cryptomgr.notests mitigations=off')
    # --tsc-reliable: under TCG every vCPU's TSC is the host's (offset
    # alike), but the guest's TSC sync check sees emulation jitter across
    # vCPUs, marks the TSC unstable and falls back to the HPET: every
    # clock read becomes an MMIO exit and clock_gettime() a system call.
    # `make bench` measured p99 latency 5-10x lower with the TSC.  Not
    # for the test VMs: with a stable TSC the guest marks sched_clock
    # stable late in boot and patches its static branches (int3 text
    # poking) while the other vCPU runs them, and under multi-threaded
    # TCG Debian's 7.3 kernel then sometimes dies of an "Oops: int3" in
    # sched_clock_tick() before the first test.
    if args.tsc_reliable:
        cmdline += ' tsc=reliable'
    machine = 'q35'
    iommu = []
    if args.iommu:
        iommu = ['-device', 'intel-iommu,intremap=on']
        cmdline += ' intel_iommu=on'
    for a in args.append:
        cmdline += ' ' + a

    # native PCIe hotplug (pciehp) unless --acpi-hotplug
    hotplug = [] if args.acpi_hotplug else \
        ['-global', 'ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off']

    qemu = [args.qemu, '-M', machine, '-accel', 'tcg', '-cpu', 'max',
            '-m', args.memory, '-smp', args.smp,
            '-nodefaults', '-no-user-config', '-no-reboot', '-nographic',
            '-L', '/usr/share/qemu', '-L', '/usr/share/seabios'] + hotplug + [
            '-chardev', 'file,id=con,path=' + console_log,
            '-chardev', 'file,id=ktap,path=' + ktap_log,
            '-chardev', 'socket,id=agent,path=%s,server=on,wait=off' % agent_sock,
            '-serial', 'chardev:con', '-serial', 'chardev:ktap',
            '-serial', 'chardev:agent',
            '-qmp', 'unix:%s,server=on,wait=off' % qmp_sock,
            '-kernel', args.kernel, '-initrd', initrd,
            '-append', cmdline] + iommu + qdev
    with open(os.path.join(logdir, 'qemu-cmdline'), 'w') as f:
        f.write(' '.join(shlex.quote(a) for a in qemu) + '\n')

    if not args.quiet:
        log('vm-run: booting %s (%d device(s), %d test(s), log %s)'
            % (os.path.basename(args.kernel), len(args.device), len(tests), logdir))
    qlog = open(os.path.join(logdir, 'qemu.log'), 'w')
    t_launch = time.time()
    proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=qlog,
                            stderr=subprocess.STDOUT, start_new_session=True)
    agent_log = open(os.path.join(logdir, 'agent.log'), 'w')
    agent = Agent(agent_sock, qmp_sock, agent_log, args.unplug_timeout,
                  qemu_pid=proc.pid)
    agent.start()

    timed_out = False
    boot_host = None
    pos = 0
    partial = b''
    with open(ktap_log, 'rb') as kf:
        while True:
            rc = proc.poll()
            # follow the KTAP log for progress
            kf.seek(pos)
            chunk = kf.read()
            pos += len(chunk)
            partial += chunk
            while b'\n' in partial:
                line, partial = partial.split(b'\n', 1)
                line = line.decode(errors='replace').rstrip('\r')
                if boot_host is None and BOOT_MARK in line:
                    boot_host = time.time() - t_launch
                    if not args.quiet:
                        log('vm-run: guest up after %.1fs, running tests' % boot_host)
                if not args.quiet and re.match(r'^(not ok|ok) \d+ ', line):
                    log('vm-run:   ' + line)
            if rc is not None:
                break
            if time.time() - t_launch > args.timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                break
            time.sleep(0.1)
    t_total = time.time() - t_launch
    agent.stop = True
    qlog.close()
    shutil.rmtree(tmpdir, ignore_errors=True)

    with open(ktap_log, errors='replace') as f:
        ktext = f.read()
    with open(console_log, errors='replace') as f:
        ctext = f.read()

    # -------------------------------------------------------------- report
    problems = []
    if timed_out:
        problems.append('VM timed out after %ds (hard limit) and was killed' % args.timeout)
    elif proc.returncode != 0:
        problems.append('QEMU exited with status %d' % proc.returncode)
    if DONE_MARK not in ktext and not timed_out:
        problems.append('the guest did not finish its tests (no %s marker)' % DONE_MARK)
    if agent.error and proc.returncode == 0:
        problems.append('host agent: ' + agent.error)

    body = ktext
    i = ktext.find(BOOT_MARK)
    if i >= 0:
        body = ktext[ktext.rfind('\n', 0, i) + 1:]
    res = ktap.parse(body)
    secs = split_tests(body)

    log('')
    log('---- VM test results (%s) ----' % logdir)
    expected = ['insmod_' + name for name, _ in modules] + \
        [t['name'] for t in tests]
    # a missing test is counted by the top-level plan, if the guest got
    # as far as printing it
    plan_seen = re.search(r'^1\.\.\d+', body, re.M) is not None
    top_missing = 0
    for name in expected:
        s = secs.get(name)
        if not s or not s['result']:
            log('FAIL %s: did not report' % name)
            if not plan_seen:
                top_missing += 1
            continue
        sub = ktap.parse('\n'.join(s['lines']), name)
        dur = ''
        if s.get('start') is not None and s.get('end') is not None:
            dur = ' (%.1fs)' % (s['end'] - s['start'])
        counts = ''
        if sub.leaves or sub.extra_failures:
            counts = ': ' + ktap.summary_line(sub.passed, sub.failed, sub.skipped)
        status = 'ok  ' if s['result'] == 'ok' else 'FAIL'
        if s['result'] == 'ok' and 'SKIP' in s['directive'].upper():
            status = 'SKIP'
        extra = (' # ' + s['directive']) if s['directive'] else ''
        log('%s %s%s%s%s' % (status, name, counts, dur, extra))
        for f in sub.failures():
            log('       FAIL %s' % f)
        if args.show_output:
            for l in s['lines']:
                log('     | ' + l)
        elif s['result'] != 'ok' or sub.failed:
            for l in s['lines'][-60:]:
                log('     | ' + l)

    ignored = [0]
    hits = scan_console(ctext, [re.compile(x) for x in args.ignore_splat],
                        ignored)
    if ignored[0]:
        log('ignored %d kernel report(s) matching --ignore-splat' % ignored[0])
    if hits:
        log('kernel problems in the console log (%s):' % console_log)
        for name, line in hits:
            log('  [%s] %s' % (name, line))

    for p in problems:
        log('FAIL ' + p)

    failed = res.failed + top_missing + len(hits) + len(problems)
    passed = res.passed
    skipped = res.skipped

    if failed:
        lines = ctext.splitlines()
        log('---- console (last %d lines of %s) ----' % (min(len(lines), 80), console_log))
        for l in lines[-80:]:
            log('  ' + l)
        log('---- end of console ----')

    if boot_host is not None:
        m = re.search(r'%s uptime=([\d.]+)' % BOOT_MARK, ktext)
        log('boot to first test: %.1fs host wall time (guest uptime %s s); VM total %.1fs'
            % (boot_host, m.group(1) if m else '?', t_total))
    else:
        log('boot to first test: never (VM total %.1fs)' % t_total)
    log(ktap.summary_line(passed, failed, skipped))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
