#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The digits workload: train a small spiking network on the 8x8 handwritten
# digits of Debian's python3-sklearn (load_digits, 1797 images), convert it
# to the board's CUBA LIF neurons and write the network images.
#
#   train.py [--out DIR]            train (seeded, < 1 min) and write the
#                                   files into DIR (default: this directory)
#   train.py --verify [--dir DIR] [--snn-sim PATH] [--delays LIST]
#                                   check the files in DIR: every held-out
#                                   image through snn-sim, against this
#                                   script's bit-accurate mirror of the
#                                   engine, single cluster and split
#   train.py --reproduce [--dir DIR]
#                                   retrain into a temporary directory and
#                                   compare byte for byte with DIR
#   train.py --events N [--dir DIR] print held-out image N (0-based line of
#                                   test-set.txt) as snn-sim input
#   train.py --reference OUT [--images N] [--dir DIR] [--snn-sim PATH]
#                                   snn-sim's output spikes for the first N
#                                   held-out images (OUT/expected.txt, as
#                                   digits-classify --dump writes them) and
#                                   their classes (OUT/classes.txt)
#
# Training and --verify also need snnctl (--snnctl, default
# $B/tools/snnctl): it packs the images into the network files
# digits.snnet and digits-split.snnet (snnctl convert).
#
# Run with Debian's /usr/bin/python3 (numpy, sklearn from python3-numpy and
# python3-sklearn).  README.md in this directory describes the network, the
# input coding, the readout and the files.

import os

# Deterministic floating point: one BLAS thread, set before numpy loads.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
           "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import hashlib  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# ---- the recipe (changing any of these changes the committed files) -------

SEED = 20240605         # split, initialisation and minibatch order
TEST_PER_CLASS = 0.2    # held-out fraction of each class (stratified)
N_IN = 64               # input axons: one per pixel
N_HID = 128             # hidden LIF neurons
N_OUT = 10              # output LIF neurons, one per class
EPOCHS = 60
BATCH = 32
LR = 0.01               # Adam
WEIGHT_DECAY = 1e-4
T = 16                  # input timesteps (pixel p: p spikes in 16 steps)
PIX_MAX = 16            # pixel values are 0..16
ACT_PERCENTILE = 99.9   # hidden threshold: this percentile of activations
VTH_OUT_GRID = (25, 50, 75, 100, 125, 150, 200, 250, 300, 350, 400, 500,
                600, 800)

# ---- board geometry of the images ------------------------------------------

STRIDE = 256            # neurons_per_core and axons_per_core of every image
BIAS_AXON = N_IN        # core 0 axon 64: the always-on input
BIAS_NEURON = N_HID     # core 0 neuron 128: fires at every input step
HID_CORE = 0
OUT_CORE = 1            # in digits.snni; 0 in output.snni
OUTQ = 0

# ---- LIF profiles: du 4095 (u is the step's input), dv 0 (no leak) ---------

DU = 4095
DV = 0

# ---- image format (docs/hardware.md section 6, driver/snn_hw.h) -----------

SNN_IMG_MAGIC = 0x494E4E53
NEURON_OUT = 0x01
NEURON_BIAS = 0x02


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def img_build(n_cores, profiles, neurons, synapses, fanouts, npc=STRIDE,
              apc=STRIDE):
    """SNNI bytes.  profiles: (du, dv, vth, bias_mant, bias_exp);
    neurons: (core, index, profile, flags, outq, bias_mant);
    synapses: (core, axon, neuron, weight); fanouts: (sc, sn, dc, da)."""
    out = [struct.pack("<IHHHHHHIIII", SNN_IMG_MAGIC, 1, 64, n_cores,
                       npc, apc, len(profiles), len(neurons),
                       len(synapses), len(fanouts), 0), bytes(32)]
    for du, dv, vth, bm, be in profiles:
        out.append(struct.pack("<HHIhbBI", du, dv, vth, bm, be, 0, 0))
    for core, idx, prof, flags, outq, bm in neurons:
        out.append(struct.pack("<BBHBBh", core, prof, idx, flags, outq, bm))
    for core, axon, neuron, w in synapses:
        out.append(struct.pack("<BBHHbB", core, 0, axon, neuron, w, 0))
    for sc, sn, dc, da in fanouts:
        out.append(struct.pack("<BBHHH", sc, dc, sn, da, 0))
    return b"".join(out)


def img_parse(data):
    """The records of an SNNI image (checked by the engine's loader when
    snn-sim runs it; here only the layout)."""
    (magic, ver, hsz, n_cores, npc, apc, n_prof, n_neu, n_syn, n_fo,
     _flags) = struct.unpack_from("<IHHHHHHIIII", data, 0)
    if magic != SNN_IMG_MAGIC or ver != 1 or hsz != 64:
        raise ValueError("not an SNNI version 1 image")
    if len(data) != 64 + 16 * n_prof + 8 * (n_neu + n_syn + n_fo):
        raise ValueError("bad image length")
    off = 64
    prof = []
    for _ in range(n_prof):
        du, dv, vth, bm, be, _r0, _r1 = struct.unpack_from("<HHIhbBI",
                                                           data, off)
        prof.append((du, dv, vth, bm, be))
        off += 16
    neu = []
    for _ in range(n_neu):
        core, p, idx, flags, outq, bm = struct.unpack_from("<BBHBBh",
                                                           data, off)
        neu.append((core, idx, p, flags, outq, bm))
        off += 8
    syn = []
    for _ in range(n_syn):
        core, _r, axon, neuron, w, _r1 = struct.unpack_from("<BBHHbB",
                                                            data, off)
        syn.append((core, axon, neuron, w))
        off += 8
    fo = []
    for _ in range(n_fo):
        sc, dc, sn, da, _r = struct.unpack_from("<BBHHH", data, off)
        fo.append((sc, sn, dc, da))
        off += 8
    return dict(n_cores=n_cores, npc=npc, apc=apc, profiles=prof,
                neurons=neu, synapses=syn, fanouts=fo)


# ---- bit-accurate mirror of the engine (docs/engine.md) -------------------

def eff_bias(mant, exp):
    if exp >= 0:
        return mant << exp
    return mant >> -exp             # Python's >> is an arithmetic shift


def decay(x, factor):
    """sign(t) * (|t| >> 12), t = x * factor: division toward zero."""
    if np.all(factor == 4096):
        return x
    if np.all(factor == 0):
        return np.zeros_like(x)
    t = x * factor
    return np.sign(t) * (np.abs(t) >> 12)


class Mirror:
    """One cluster running an image, for a batch of independent inputs at
    once.  Integer arithmetic exactly as snn_engine.c: a_in is the exact sum
    of the delivered weights saturated to 16 bits, u wraps at 24 bits, v
    saturates, spike when v' > vth << 6, then v = 0 (u is kept)."""

    def __init__(self, img):
        net = img_parse(img) if isinstance(img, bytes) else img
        self.npc, self.apc = net["npc"], net["apc"]
        n_axons = net["n_cores"] * self.apc
        neu = sorted(net["neurons"])
        self.flat = np.array([c * self.npc + i for c, i, *_ in neu])
        col = {(c, i): k for k, (c, i, *_) in enumerate(neu)}
        n = len(neu)
        self.syn = np.zeros((n_axons, n), np.int64)
        for c, a, nn, w in net["synapses"]:
            self.syn[c * self.apc + a, col[(c, nn)]] += w
        self.fan = np.zeros((n, n_axons), np.int64)
        for sc, sn, dc, da in net["fanouts"]:
            self.fan[col[(sc, sn)], dc * self.apc + da] += 1
        prof = net["profiles"]
        self.dec_u = np.array([4096 - (prof[p][0] + 1) for _, _, p, *_
                               in neu], np.int64)
        self.dec_v = np.array([4096 - prof[p][1] for _, _, p, *_ in neu],
                              np.int64)
        self.vth = np.array([prof[p][2] << 6 for _, _, p, *_ in neu],
                            np.int64)
        self.bias = np.array([eff_bias(bm if fl & NEURON_BIAS
                                       else prof[p][3], prof[p][4])
                              for _, _, p, fl, _, bm in neu], np.int64)
        self.out = np.array([bool(fl & NEURON_OUT)
                             for _, _, _, fl, _, _ in neu])
        self.n_axons, self.n = n_axons, n
        # Only axons with synapses matter.  The products are small
        # integers, exact in float64 (|sums| < 2^53), so BLAS computes the
        # exact integer sums whatever its order of summation.
        self.used = np.flatnonzero(np.any(self.syn != 0, axis=1))
        self.syn_f = self.syn[self.used].astype(np.float64)
        self.fan_f = self.fan[:, self.used].astype(np.float64)

    def run(self, inp, steps):
        """inp: (B, steps, n_axons) event counts staged before each step.
        Returns spikes (B, steps, n) bool and the a_in saturation count."""
        B = inp.shape[0]
        u = np.zeros((B, self.n), np.int64)
        v = np.zeros((B, self.n), np.int64)
        prev = np.zeros((B, self.n))
        spk = np.zeros((B, steps, self.n), bool)
        sat = 0
        lim = 1 << 23
        inp = inp[:, :, self.used].astype(np.float64)
        for t in range(steps):
            ev = inp[:, t] + prev @ self.fan_f
            a = np.rint(ev @ self.syn_f).astype(np.int64)
            sat += int(((a > 32767) | (a < -32768)).sum())
            a = np.clip(a, -32768, 32767)
            un = decay(u, self.dec_u) + a * 64
            un = np.where(un > lim, un - 2 * lim, un)
            un = np.where(un <= -lim, un + 2 * lim, un)
            vn = np.clip(decay(v, self.dec_v) + un + self.bias,
                         -(lim - 1), lim - 1)
            s = vn > self.vth
            u = un
            v = np.where(s, 0, vn)
            spk[:, t] = s
            prev = s.astype(np.float64)
        return spk, sat


# ---- input coding and readout ---------------------------------------------

def encode(pixels):
    """(B, 64) pixels 0..16 -> (B, T, 65) input events: pixel p spikes at
    the steps t < T where floor((t+1) p / 16) > floor(t p / 16) (p spikes
    in 16 steps, evenly spread); axon 64 spikes at every step < T."""
    p = np.asarray(pixels, np.int64)[:, None, :]
    t = np.arange(T, dtype=np.int64)[None, :, None]
    ev = ((t + 1) * p // PIX_MAX > t * p // PIX_MAX).astype(np.int64)
    on = np.ones(ev.shape[:2] + (1,), np.int64)
    return np.concatenate([ev, on], axis=2)


def place(ev, steps, n_axons, first_axon=0, shift=0):
    """Input events (B, t, k) into a (B, steps, n_axons) array at axons
    first_axon.., shifted by `shift` steps."""
    B, tt, k = ev.shape
    inp = np.zeros((B, steps, n_axons), np.int64)
    inp[:, shift:shift + tt, first_axon:first_axon + k] = ev
    return inp


def decide(spikes):
    """spikes (B, steps, 10) -> class: most output spikes; a tie goes to
    the earliest first spike, then to the lowest class.  Shifting every
    spike by the same delay changes nothing.  Also returns the counts."""
    cnt = spikes.sum(axis=1).astype(np.int64)
    steps = spikes.shape[1]
    first = np.where(spikes.any(axis=1), spikes.argmax(axis=1), steps)
    key = cnt * (steps + 1) + (steps - first)
    return key.argmax(axis=1), cnt


def sim_steps(delay):
    """Steps to run: the last hidden spike is at T - 1, it reaches the
    output layer at T (fan-out) or T + delay (route: t + 1 + delay); one
    more step shows the network is quiet.  Any longer run adds nothing."""
    return T + 2 + delay


# ---- data -----------------------------------------------------------------

def load_data():
    from sklearn.datasets import load_digits
    d = load_digits()
    x = np.rint(d.data).astype(np.int64)
    y = d.target.astype(np.int64)
    assert x.shape == (1797, 64) and x.min() >= 0 and x.max() <= PIX_MAX
    rs = np.random.RandomState(SEED)
    test = []
    for c in range(10):
        idx = np.flatnonzero(y == c)
        idx = idx[rs.permutation(len(idx))]
        test.extend(idx[:int(round(len(idx) * TEST_PER_CLASS))])
    test = np.sort(np.array(test))
    train = np.setdiff1d(np.arange(len(y)), test)
    return x, y, train, test


# ---- float model ------------------------------------------------------------

def train_float(x, y):
    """64-128-10 ReLU MLP on pixels / 16, softmax cross-entropy, Adam,
    float64, seeded."""
    rs = np.random.RandomState(SEED + 1)
    w1 = rs.randn(N_HID, N_IN) * np.sqrt(2.0 / N_IN)
    b1 = np.zeros(N_HID)
    w2 = rs.randn(N_OUT, N_HID) * np.sqrt(2.0 / N_HID)
    b2 = np.zeros(N_OUT)
    par = [w1, b1, w2, b2]
    m = [np.zeros_like(p) for p in par]
    s = [np.zeros_like(p) for p in par]
    n, step = len(y), 0
    for _ in range(EPOCHS):
        perm = rs.permutation(n)
        for i in range(0, n, BATCH):
            b = perm[i:i + BATCH]
            xb, yb = x[b], y[b]
            z1 = xb @ w1.T + b1
            h = np.maximum(z1, 0.0)
            z2 = h @ w2.T + b2
            z2 -= z2.max(axis=1, keepdims=True)
            p = np.exp(z2)
            p /= p.sum(axis=1, keepdims=True)
            g2 = p
            g2[np.arange(len(b)), yb] -= 1.0
            g2 /= len(b)
            gz1 = (g2 @ w2) * (z1 > 0)
            grads = [gz1.T @ xb + WEIGHT_DECAY * w1, gz1.sum(axis=0),
                     g2.T @ h + WEIGHT_DECAY * w2, g2.sum(axis=0)]
            step += 1
            for k in range(4):
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                s[k] = 0.999 * s[k] + 0.001 * grads[k] ** 2
                mh = m[k] / (1 - 0.9 ** step)
                sh = s[k] / (1 - 0.999 ** step)
                par[k] -= LR * mh / (np.sqrt(sh) + 1e-8)
    return par


def float_forward(par, x):
    w1, b1, w2, b2 = par
    h = np.maximum(x @ w1.T + b1, 0.0)
    return h, h @ w2.T + b2


# ---- conversion -------------------------------------------------------------

def quantize(a):
    """Signed 8-bit weights: one scale per layer, largest |a| -> 127."""
    scale = 127.0 / np.abs(a).max()
    return np.clip(np.rint(a * scale), -127, 127).astype(np.int64), scale


def convert(par, h_train):
    """Integer weights and hidden threshold.

    Hidden neuron j receives per step sum_i W1q[j,i] s_i(t) + B1q[j] (the
    bias arrives through the always-on axon 64).  Over the T steps that is
    T * scale1 * (W1 x + b1) with x = pixel / 16, so an integrate-and-fire
    neuron with threshold vth1 = scale1 * lam fires about T * h / lam
    times: lam, the ACT_PERCENTILE percentile of the float activations on
    the training set, maps to one spike per step.  The output layer sees
    the counts c ~ T h / lam: z = W2 h + b2 ~ (lam / T) (W2 c + T b2 / lam),
    the bias b2 / lam per spike of the bias neuron (T spikes)."""
    w1, b1, w2, b2 = par
    lam = float(np.percentile(h_train, ACT_PERCENTILE))
    a1, s1 = quantize(np.concatenate([w1, b1[:, None]], axis=1))
    vth1 = int(np.rint(lam * s1))
    a2, _ = quantize(np.concatenate([w2, (b2 / lam)[:, None]], axis=1))
    return a1, vth1, a2, lam


def build_images(a1, vth1, a2, vth2):
    """digits.snni (hidden core 0 -> fan-out -> output core 1),
    hidden.snni, output.snni and the routes of the split."""
    profiles = [(DU, DV, vth1, 0, 0),   # 0: hidden
                (DU, DV, 0, 0, 0),      # 1: bias neuron (fires on a_in > 0)
                (DU, DV, vth2, 0, 0)]   # 2: output
    hid_neu = [(HID_CORE, j, 0, 0, 0, 0) for j in range(N_HID)]
    hid_neu.append((HID_CORE, BIAS_NEURON, 1, 0, 0, 0))
    hid_syn = []
    for i in range(N_IN + 1):           # axon-major: one axon's synapses
        for j in range(N_HID):          # are contiguous
            if a1[j, i]:
                hid_syn.append((HID_CORE, i, j, int(a1[j, i])))
        if i == BIAS_AXON:
            hid_syn.append((HID_CORE, BIAS_AXON, BIAS_NEURON, 1))

    def out_part(core):
        neu = [(core, k, 2, NEURON_OUT, OUTQ, 0) for k in range(N_OUT)]
        syn = [(core, j, k, int(a2[k, j])) for j in range(N_HID + 1)
               for k in range(N_OUT) if a2[k, j]]
        return neu, syn

    o_neu, o_syn = out_part(OUT_CORE)
    fan = [(HID_CORE, j, OUT_CORE, j) for j in range(N_HID + 1)]
    single = img_build(2, profiles, hid_neu + o_neu, hid_syn + o_syn, fan)
    hidden = img_build(1, profiles[:2], hid_neu, hid_syn, [])
    o_neu, o_syn = out_part(0)
    output = img_build(1, profiles[2:3],
                       [(c, k, 0, f, q, b) for c, k, _, f, q, b in o_neu],
                       o_syn, [])
    routes = [(HID_CORE, j, 0, j) for j in range(N_HID + 1)]
    return single, hidden, output, routes


def run_single(img, pixels, delay=0):
    m = Mirror(img)
    steps = sim_steps(delay)
    spk, sat = m.run(place(encode(pixels), steps, m.n_axons), steps)
    return m, spk, sat


def route_and_run(mh, sh, mo, routes, delay):
    """Spikes sh (B, steps, n) of the part of mirror mh through the routes
    (a spike at t is an event tagged t + 1 + delay) into mirror mo."""
    B, steps, _ = sh.shape
    inp = np.zeros((B, steps, mo.n_axons), np.int64)
    col = {f: k for k, f in enumerate(mh.flat)}
    for sc, sn, dc, da in routes:
        src = sh[:, :steps - 1 - delay, col[sc * mh.npc + sn]]
        inp[:, 1 + delay:, dc * mo.apc + da] += src
    so, _ = mo.run(inp, steps)
    return so


def run_split(hidden, output, routes, pixels, delay):
    """The hidden part, its spikes through the routes, the output part."""
    steps = sim_steps(delay)
    mh, mo = Mirror(hidden), Mirror(output)
    sh, _ = mh.run(place(encode(pixels), steps, mh.n_axons), steps)
    return sh, route_and_run(mh, sh, mo, routes, delay)


def out_spikes(m, spk):
    return spk[:, :, m.out]


# ---- files ------------------------------------------------------------------

def write_test_set(path, x, y, test):
    with open(path, "w") as f:
        f.write("# SPDX-License-Identifier: GPL-2.0\n"
                "# snndev digits workload: the %d held-out images of "
                "sklearn's load_digits\n"
                "# (tools/digits/train.py, seed %d), in data set order.\n"
                "# One image per line: LABEL P0 .. P63, pixels 0..16 row "
                "by row.\n" % (len(test), SEED))
        for i in test:
            f.write("%d %s\n" % (y[i], " ".join(str(int(p)) for p in x[i])))


def read_test_set(path):
    lab, pix = [], []
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].split()
            if not line:
                continue
            v = [int(t) for t in line]
            if len(v) != 65:
                raise ValueError("%s: expected LABEL and 64 pixels" % path)
            lab.append(v[0])
            pix.append(v[1:])
    return np.array(lab, np.int64), np.array(pix, np.int64)


def write_routes(path, routes):
    with open(path, "w") as f:
        f.write("# SPDX-License-Identifier: GPL-2.0\n"
                "# snndev digits workload, split over two clusters: routes "
                "from hidden.snni\n"
                "# (source part) to output.snni (destination part), one "
                "per line:\n"
                "# SRC_CORE SRC_NEURON DST_CORE DST_AXON\n")
        for r in routes:
            f.write("%d %d %d %d\n" % r)


def read_routes(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].split()
            if line:
                out.append(tuple(int(t) for t in line))
    return out


FILES = ("digits.snni", "hidden.snni", "output.snni", "routes.txt",
         "test-set.txt", "digits.snnet", "digits-split.snnet")


def find_snnctl(path):
    if path:
        return path
    p = os.path.join(os.environ.get("B", os.path.join(ROOT, "build")),
                     "tools", "snnctl")
    if not os.access(p, os.X_OK):
        sys.exit("train.py: %s not found (make)" % p)
    return p


def split_description(hidden, output, routes):
    """The split as one snnctl text description: part 0 hidden.snni,
    part 1 output.snni, the routes from part 0 to part 1."""
    h = describe(hidden).splitlines()
    o = describe(output).splitlines()
    assert h[0].startswith("geometry ") and o[0].startswith("geometry ")
    out = ["# snndev digits workload, split over two clusters "
           "(tools/digits/train.py)"]
    out += h
    out += ["part " + o[0][len("geometry "):]] + o[1:]
    out += ["route 0 %d %d 1 %d %d" % r for r in routes]
    return "\n".join(out) + "\n"


def write_netfiles(snnctl, d):
    """digits.snnet (one part) and digits-split.snnet (two parts and the
    routes) in d, from the images and routes.txt in d, with snnctl."""
    with open(os.path.join(d, "hidden.snni"), "rb") as f:
        hidden = f.read()
    with open(os.path.join(d, "output.snni"), "rb") as f:
        output = f.read()
    routes = read_routes(os.path.join(d, "routes.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        txt = os.path.join(tmp, "split.txt")
        with open(txt, "w") as f:
            f.write(split_description(hidden, output, routes))
        for src, dst in ((os.path.join(d, "digits.snni"), "digits.snnet"),
                         (txt, "digits-split.snnet")):
            r = subprocess.run([snnctl, "convert", src,
                                os.path.join(d, dst)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
            if r.returncode:
                sys.exit("train.py: snnctl convert %s failed (%d): %s"
                         % (dst, r.returncode, r.stderr.strip()))


# ---- commands ---------------------------------------------------------------

def cmd_train(out_dir, snnctl, quiet=False):
    def say(*a):
        if not quiet:
            print(*a, flush=True)

    t0 = time.time()
    x, y, train, test = load_data()
    say("data: %d images, %d train, %d held out (seed %d)"
        % (len(y), len(train), len(test), SEED))
    xf = x / float(PIX_MAX)
    par = train_float(xf[train], y[train])
    h_tr, z_tr = float_forward(par, xf[train])
    _, z_te = float_forward(par, xf[test])
    say("float %d-%d-%d ReLU MLP (%d epochs, %.1f s): train %.2f %%, "
        "held out %.2f %%"
        % (N_IN, N_HID, N_OUT, EPOCHS, time.time() - t0,
           100 * np.mean(z_tr.argmax(1) == y[train]),
           100 * np.mean(z_te.argmax(1) == y[test])))

    a1, vth1, a2, lam = convert(par, h_tr)
    say("conversion: activation %.1f percentile %.3f -> hidden vth %d "
        "(T = %d)" % (ACT_PERCENTILE, lam, vth1, T))

    # Output threshold: best training accuracy under the bit-accurate
    # engine, then fewest decisions by tie-break, then the lowest vth.
    # The hidden layer does not depend on it: run hidden.snni once, then
    # output.snni per candidate on its spikes, routed with delay 0 (the
    # timing of the fan-out in digits.snni).
    _, hidden, _, routes = build_images(a1, vth1, a2, VTH_OUT_GRID[0])
    steps = sim_steps(0)
    mh = Mirror(hidden)
    sh, _ = mh.run(place(encode(x[train]), steps, mh.n_axons), steps)
    best = None
    for vth2 in VTH_OUT_GRID:
        _, _, output, _ = build_images(a1, vth1, a2, vth2)
        so = route_and_run(mh, sh, Mirror(output), routes, 0)
        pred, cnt = decide(so)
        top = np.sort(cnt, axis=1)
        ties = int(np.sum(top[:, -1] == top[:, -2]))
        acc = float(np.mean(pred == y[train]))
        say("  output vth %4d: train %.2f %%, ties %3d, output spikes "
            "%.1f / image" % (vth2, 100 * acc, ties, cnt.sum(1).mean()))
        key = (acc, -ties, -vth2)
        if best is None or key > best[0]:
            best = (key, vth2)
    vth2 = best[1]
    say("output vth %d" % vth2)

    single, hidden, output, routes = build_images(a1, vth1, a2, vth2)
    for name, xs, ys in (("train", x[train], y[train]),
                         ("held out", x[test], y[test])):
        m, spk, sat = run_single(single, xs)
        pred, _ = decide(out_spikes(m, spk))
        say("bit-accurate engine, %s: %.2f %% (%d / %d)%s"
            % (name, 100 * np.mean(pred == ys), np.sum(pred == ys),
               len(ys), ", %d a_in saturations" % sat if sat else ""))

    os.makedirs(out_dir, exist_ok=True)
    for name, data in (("digits.snni", single), ("hidden.snni", hidden),
                       ("output.snni", output)):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
    write_routes(os.path.join(out_dir, "routes.txt"), routes)
    write_test_set(os.path.join(out_dir, "test-set.txt"), x, y, test)
    write_netfiles(snnctl, out_dir)
    for name in FILES:
        say("%s  %s" % (sha256(os.path.join(out_dir, name)), name))
    say("done in %.1f s" % (time.time() - t0))


def find_snn_sim(path):
    if path:
        return path
    p = os.path.join(os.environ.get("B", os.path.join(ROOT, "build")),
                     "host", "snn-sim")
    if not os.access(p, os.X_OK):
        sys.exit("train.py: %s not found (make host)" % p)
    return p


def snn_sim(sim, img_path, events, steps, tmp, board=True, every=True):
    """Run snn-sim --all (every=False: only the OUT neurons' spikes);
    events: iterable of (t, flat axon), sorted.  Returns the spikes as a
    sorted list of (t, flat neuron)."""
    inp = os.path.join(tmp, "in.txt")
    with open(inp, "w") as f:
        f.writelines("%d %d\n" % e for e in events)
    r = subprocess.run([sim, "-n", str(steps)] +
                       (["--all"] if every else []) +
                       (["--board"] if board else []) + [img_path, inp],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if r.returncode:
        sys.exit("train.py: snn-sim failed (%d): %s"
                 % (r.returncode, r.stderr.strip()))
    return [tuple(int(t) for t in line.split())
            for line in r.stdout.splitlines()]


def describe(img):
    """An image as an snn-mkimg description (docs/engine.md)."""
    net = img_parse(img)
    out = ["geometry %d %d %d" % (net["n_cores"], net["npc"], net["apc"])]
    out += ["profile %d %d %d %d %d %d" % ((i,) + p)
            for i, p in enumerate(net["profiles"])]
    for core, idx, prof, flags, outq, bm in net["neurons"]:
        out.append("neuron %d %d %d%s%s" % (
            core, idx, prof, " out %d" % outq if flags & NEURON_OUT else "",
            " bias %d" % bm if flags & NEURON_BIAS else ""))
    out += ["synapse %d %d %d %d" % r for r in net["synapses"]]
    out += ["fanout %d %d %d %d" % r for r in net["fanouts"]]
    return "\n".join(out) + "\n"


def check_mkimg(sim, paths):
    """snn-mkimg --board rebuilds each image from its description, byte for
    byte: the writer here agrees with the project's, and the images fit
    the default board.  Skipped without snn-mkimg next to snn-sim."""
    mk = os.path.join(os.path.dirname(sim), "snn-mkimg")
    if not os.access(mk, os.X_OK):
        print("snn-mkimg: not found next to snn-sim, skipped")
        return True
    ok = True
    for path in paths:
        with open(path, "rb") as f:
            img = f.read()
        r = subprocess.run([mk, "--board", "-", "-"], input=describe(img)
                           .encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        same = r.returncode == 0 and r.stdout == img
        err = r.stderr.decode().strip()
        print("%s: snn-mkimg --board builds %s%s"
              % (os.path.basename(path),
                 "the same bytes" if same else "DIFFERENT bytes",
                 ": " + err if r.returncode else ""))
        ok = ok and same
    return ok


def events_of(enc, first_axon=0):
    """(T, k) events of one image -> sorted (t, flat axon) list."""
    return [(t, first_axon + a) for t, a in zip(*np.nonzero(enc))
            for _ in range(int(enc[t, a]))]


def mirror_list(m, spk):
    """(steps, n) spikes of one input -> sorted (t, flat neuron) list."""
    return [(int(t), int(m.flat[k])) for t, k in zip(*np.nonzero(spk))]


def check_mirror(sim, n_nets=12, steps=40):
    """The mirror against snn-sim on small seeded random networks that use
    what the digits images do not: leaks, biases (own and profile, both
    exponent signs), a_in saturation, u wrap-around, v clipping, repeated
    synapses and fan-out, fan-out across cores."""
    rs = np.random.RandomState(SEED + 2)
    bad = sat_total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(n_nets):
            n_cores, npc, apc = 2, 12, 10
            prof = [(int(rs.choice([0, 1, 410, 2048, 4095])),
                     int(rs.choice([0, 1, 205, 3000, 4095])),
                     int(rs.choice([0, 3, 50, 2000, 131071])),
                     int(rs.randint(-4096, 4096)), int(rs.randint(-7, 8)))
                    for _ in range(4)]
            neu = []
            for c in range(n_cores):
                for i in sorted(rs.choice(npc, 9, replace=False)):
                    fl = int(rs.randint(0, 4))
                    neu.append((c, int(i), int(rs.randint(0, 4)), fl,
                                int(rs.randint(0, 4)) if fl & NEURON_OUT
                                else 0, int(rs.randint(-4096, 4096))
                                if fl & NEURON_BIAS else 0))
            syn = [(c, int(rs.randint(apc)), i, int(rs.randint(-128, 128)))
                   for _ in range(150) for c, i, *_ in
                   [neu[rs.randint(len(neu))]]]
            # axon 0 (1) of core 0: 300 synapses of weight 127 (-128) on
            # one neuron, |a_in| above 32767; events on them at steps 0..7
            syn += [(0, 0, neu[0][1], 127)] * 300
            syn += [(0, 1, neu[1][1], -128)] * 300
            fan = [(sc, sn, int(rs.randint(n_cores)), int(rs.randint(apc)))
                   for _ in range(30) for sc, sn, *_ in
                   [neu[rs.randint(len(neu))]]]
            img = img_build(n_cores, prof, neu, syn, fan, npc, apc)
            path = os.path.join(tmp, "net.snni")
            with open(path, "wb") as f:
                f.write(img)
            ev = sorted([(int(t), int(a)) for t, a in
                         zip(rs.randint(0, steps - 5, 120),
                             rs.randint(0, n_cores * apc, 120))] +
                        [(t, a) for t in range(8) for a in (0, 1)])
            m = Mirror(img)
            inp = np.zeros((1, steps, m.n_axons), np.int64)
            for t, a in ev:
                inp[0, t, a] += 1
            spk, sat = m.run(inp, steps)
            sat_total += sat
            got = snn_sim(sim, path, ev, steps, tmp, board=False)
            if got != mirror_list(m, spk[0]):
                bad += 1
    print("mirror: %s snn-sim on %d random networks (%d a_in "
          "saturations)" % ("agrees with" if not bad else "DIFFERS from",
                            n_nets, sat_total))
    return bad == 0


def check_netfiles(snnctl, d):
    """digits.snnet and digits-split.snnet are what snnctl makes of the
    images and routes.txt, and give the images back (snnctl convert
    --part), byte for byte."""
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for n in ("digits.snni", "hidden.snni", "output.snni", "routes.txt"):
            with open(os.path.join(d, n), "rb") as f, \
                    open(os.path.join(tmp, n), "wb") as g:
                g.write(f.read())
        write_netfiles(snnctl, tmp)
        for n in ("digits.snnet", "digits-split.snnet"):
            same = sha256(os.path.join(tmp, n)) == sha256(os.path.join(d, n))
            print("%s: %s" % (n, "as snnctl convert makes it" if same else
                              "DIFFERS from what snnctl convert makes"))
            ok = ok and same
        for net, part, img in (("digits.snnet", 0, "digits.snni"),
                               ("digits-split.snnet", 0, "hidden.snni"),
                               ("digits-split.snnet", 1, "output.snni")):
            out = os.path.join(tmp, "part.snni")
            r = subprocess.run([snnctl, "convert", "--part", str(part),
                                os.path.join(d, net), out],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True)
            same = (not r.returncode and
                    sha256(out) == sha256(os.path.join(d, img)))
            print("%s part %d: %s %s" % (net, part, "is" if same else
                                         "is NOT", img))
            ok = ok and same
    return ok


def cmd_verify(d, sim, delays, snnctl):
    t0 = time.time()
    sim = find_snn_sim(sim)
    snnctl = find_snnctl(snnctl)
    p = {n: os.path.join(d, n) for n in FILES}
    with open(p["digits.snni"], "rb") as f:
        single = f.read()
    with open(p["hidden.snni"], "rb") as f:
        hidden = f.read()
    with open(p["output.snni"], "rb") as f:
        output = f.read()
    routes = read_routes(p["routes.txt"])
    y, x = read_test_set(p["test-set.txt"])
    print("%d held-out images, T = %d, snn-sim %s" % (len(y), T, sim))
    ok = check_mirror(sim)
    ok = check_netfiles(snnctl, d) and ok
    ok = check_mkimg(sim, [p["digits.snni"], p["hidden.snni"],
                           p["output.snni"]]) and ok

    # 1. digits.snni: snn-sim against the mirror, spike for spike
    m, spk, sat = run_single(single, x)
    steps = sim_steps(0)
    enc = encode(x)
    bad = 0
    out_flat = set(int(f) for f in m.flat[m.out])
    sim_out = np.zeros((len(y), steps, N_OUT), bool)
    hid_spikes = out_total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(len(y)):
            got = snn_sim(sim, p["digits.snni"], events_of(enc[i]), steps,
                          tmp)
            if got != mirror_list(m, spk[i]):
                bad += 1
            for t, n in got:
                if n in out_flat:
                    sim_out[i, t, n - OUT_CORE * m.npc] = True
                    out_total += 1
                else:
                    hid_spikes += 1
    pred, cnt = decide(sim_out)
    acc = np.mean(pred == y)
    ties = int(np.sum(np.sort(cnt, 1)[:, -1] == np.sort(cnt, 1)[:, -2]))
    silent = int(np.sum(cnt.sum(1) == 0))
    print("digits.snni: snn-sim and the mirror %s (%d of %d images "
          "differ)" % ("agree" if not bad else "DIFFER", bad, len(y)))
    print("digits.snni: held-out accuracy %.2f %% (%d / %d); %d decided "
          "by tie-break, %d without output spikes"
          % (100 * acc, np.sum(pred == y), len(y), ties, silent))
    print("spikes per image: input %.1f (+ %d always-on), hidden %.1f, "
          "output %.1f; a_in saturations %d"
          % (enc[:, :, :N_IN].sum() / len(y), T, hid_spikes / len(y),
             out_total / len(y), sat))
    conf = np.zeros((10, 10), np.int64)
    np.add.at(conf, (y, pred), 1)
    th = np.nonzero(spk[:, :, ~m.out])[1]
    to = np.nonzero(out_spikes(m, spk))[1]
    print("spikes at timesteps: hidden %d..%d, output %d..%d (%d run)"
          % (th.min(), th.max(), to.min(), to.max(), steps))
    print("confusion (rows: label, columns: class):")
    for r in range(10):
        print("  %d: %s" % (r, " ".join("%3d" % c for c in conf[r])))
    ok = ok and bad == 0

    # 2. the split: hidden.snni -> routes (delay) -> output.snni
    mh, mo = Mirror(hidden), Mirror(output)
    rmap = {}
    for sc, sn, dc, da in routes:
        rmap.setdefault(sc * mh.npc + sn, []).append(dc * mo.apc + da)
    with tempfile.TemporaryDirectory() as tmp:
        for delay in delays:
            steps = sim_steps(delay)
            sh, so = run_split(hidden, output, routes, x, delay)
            sp_out = np.zeros((len(y), steps, N_OUT), bool)
            diff = 0
            for i in range(len(y)):
                hs = snn_sim(sim, p["hidden.snni"], events_of(enc[i]),
                             steps, tmp)
                ev = sorted((t + 1 + delay, a) for t, n in hs
                            for a in rmap.get(n, ()) if t + 1 + delay < steps)
                os_ = snn_sim(sim, p["output.snni"], ev, steps, tmp)
                if (hs != mirror_list(mh, sh[i])
                        or os_ != mirror_list(mo, so[i])):
                    diff += 1
                for t, n in os_:
                    sp_out[i, t, n] = True
            sp_pred, _ = decide(sp_out)
            same = int(np.sum(sp_pred == pred))
            shifted = (not sp_out[:, :1 + delay].any() and
                       np.array_equal(sp_out[:, 1 + delay:],
                                      sim_out[:, 1:steps - delay]))
            print("split, route delay %d: %d / %d images classified as on "
                  "one cluster, accuracy %.2f %%, output spikes %s; "
                  "snn-sim and the mirror %s"
                  % (delay, same, len(y), 100 * np.mean(sp_pred == y),
                     "the same, %d step(s) later" % delay if shifted
                     else "DIFFERENT", "agree" if not diff else
                     "DIFFER on %d images" % diff))
            ok = ok and same == len(y) and diff == 0 and shifted
    print("verify: %s (%.1f s)" % ("ok" if ok else "FAILED",
                                   time.time() - t0))
    return 0 if ok else 1


def cmd_reproduce(d, snnctl):
    with tempfile.TemporaryDirectory() as tmp:
        cmd_train(tmp, snnctl, quiet=True)
        ok = True
        for n in FILES:
            a, b = sha256(os.path.join(tmp, n)), sha256(os.path.join(d, n))
            print("%s %s  %s" % ("same" if a == b else "DIFF", a, n))
            ok = ok and a == b
    print("reproduce: %s" % ("identical" if ok else "DIFFERENT"))
    return 0 if ok else 1


def cmd_events(d, n):
    y, x = read_test_set(os.path.join(d, "test-set.txt"))
    if not 0 <= n < len(y):
        sys.exit("train.py: image %d not in 0..%d" % (n, len(y) - 1))
    print("# held-out image %d, label %d: snn-sim -n %d digits.snni"
          % (n, y[n], sim_steps(0)))
    for t, a in events_of(encode(x[n:n + 1])[0]):
        print(t, a)
    return 0


def cmd_reference(d, out, n, sim):
    """snn-sim's output spikes for held-out images 0..n-1 on digits.snni,
    as `digits-classify --dump` writes the board's (IMAGE TIMESTEP NEURON),
    and their classes, one a line (classes.txt)."""
    sim = find_snn_sim(sim)
    y, x = read_test_set(os.path.join(d, "test-set.txt"))
    if not 1 <= n <= len(y):
        sys.exit("train.py: --images %d not in 1..%d" % (n, len(y)))
    img = os.path.join(d, "digits.snni")
    with open(img, "rb") as f:
        m = Mirror(f.read())
    steps = sim_steps(0)
    base = OUT_CORE * m.npc
    enc = encode(x[:n])
    spikes = np.zeros((n, steps, N_OUT), bool)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            for t, k in snn_sim(sim, img, events_of(enc[i]), steps, tmp,
                                every=False):
                if not base <= k < base + N_OUT:
                    sys.exit("train.py: snn-sim: a spike of neuron %d, not "
                             "an output neuron" % k)
                spikes[i, t, k - base] = True
                lines.append("%d %d %d\n" % (i, t, k))
    pred, _ = decide(spikes)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "expected.txt"), "w") as f:
        f.writelines(lines)
    with open(os.path.join(out, "classes.txt"), "w") as f:
        f.writelines("%d\n" % c for c in pred)
    print("reference: %d images, %d output spikes, %d correct -> %s"
          % (n, len(lines), int(np.sum(pred == y[:n])), out))
    return 0


def main():
    ap = argparse.ArgumentParser(description="digits workload for snndev")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--verify", action="store_true")
    g.add_argument("--reproduce", action="store_true")
    g.add_argument("--events", type=int, metavar="N")
    g.add_argument("--reference", metavar="OUT")
    ap.add_argument("--images", type=int, default=40,
                    help="--reference: the first N held-out images")
    ap.add_argument("--snnctl", help="default $B/tools/snnctl")
    ap.add_argument("--out", default=HERE, help="train: output directory")
    ap.add_argument("--dir", default=HERE, help="files to check")
    ap.add_argument("--snn-sim", help="default $B/host/snn-sim")
    ap.add_argument("--delays", default="1,0,3",
                    help="route delays for the split check")
    a = ap.parse_args()
    if a.verify:
        return cmd_verify(a.dir, a.snn_sim,
                          [int(v) for v in a.delays.split(",")], a.snnctl)
    if a.reproduce:
        return cmd_reproduce(a.dir, find_snnctl(a.snnctl))
    if a.events is not None:
        return cmd_events(a.dir, a.events)
    if a.reference:
        return cmd_reference(a.dir, a.reference, a.images, a.snn_sim)
    cmd_train(a.out, find_snnctl(a.snnctl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
