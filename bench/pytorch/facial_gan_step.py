#!/usr/bin/env python3
"""FACIAL-GAN of src/engine/gan/model.ts, network.ts and losses.ts ported to PyTorch: a measuring stick only.

The same layers, channel counts, paddings, activations (slopes), BatchNorm placement,
initialisation (PyTorch's defaults, which the engine copies: U(+-1/sqrt(fan_in)) for
conv/linear weights and biases, BatchNorm 1/0, the output layer N(0, 1e-3)), losses
with the product's default weights, Adam (lr 1e-4, betas 0.9/0.999, eps 1e-8), batch
and window as the engine's discriminatorStep/generatorStep. One training step is the
D step (generator in training mode, not differentiated) then the G step (gradients
through the frozen discriminator), as src/engine/gan/train.ts runs them.

Prints one JSON line: step_ms (best of N), step_mean_ms, d_ms/g_ms of the best step,
infer_ms (best of 20, one window, eval mode), parameter counts, threads, torch version
and the BLAS library the process loaded.
Run with Debian's python3-torch: /usr/bin/python3 facial_gan_step.py --steps 4 --threads 2 --window 128

With --serve (used by bench/nn.bench.ts) it prints the model info as one JSON line, then
answers each line on stdin: "step" runs one training step and prints {"d_ms", "g_ms",
"cpu_ms"} (cpu_ms: the process's CPU time, all threads); "threads N" sets the thread
count; "infer" prints {"infer_ms"} (best of 20, eval mode). The bench alternates its own steps
with these, so that other load on a shared machine hits both sides alike.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

STEPS, DIM, PARAMS, CONTEXT = 16, 29, 71, 32
# src/engine/gan/losses.ts DEFAULT_LOSS_WEIGHTS
W = dict(initial=10, expr=20, expr_motion=200, blink=0.5, blink_motion=1, pose=1, pose_motion=10, gan=0.1)


class UnetLevel(nn.Module):
    """model.ts unetLevel: down conv (k4 s2), inner level, relu, up transposed conv (k4 s2)."""

    def __init__(self, levels, depth, input_ch):
        super().__init__()
        outer, inner = levels[depth]
        self.outermost = depth == 0
        self.innermost = depth == len(levels) - 1
        # The outermost down conv has no bias (like the reference's UnetSkipConnectionBlock with BatchNorm).
        self.down = nn.Conv1d(input_ch, inner, 4, 2, 1, bias=False)
        self.down_bn = None if self.outermost or self.innermost else nn.BatchNorm1d(inner)
        self.sub = None if self.innermost else UnetLevel(levels, depth + 1, inner)
        up_in = inner if self.innermost else inner * 2
        self.up = nn.ConvTranspose1d(up_in, outer, 4, 2, 1, bias=self.outermost)
        self.up_bn = None if self.outermost else nn.BatchNorm1d(outer)

    def forward(self, x):
        h = x if self.outermost else F.leaky_relu(x, 0.2)
        h = self.down(h)
        if self.down_bn is not None:
            h = self.down_bn(h)
        if self.sub is not None:
            h = self.sub(h)
        h = self.up(F.relu(h))
        if self.outermost:
            return torch.tanh(h)
        return torch.cat([x, self.up_bn(h)], 1)


def conv_bn_2d(cin, cout, kernel, stride, padding):
    return nn.ModuleList([nn.Conv2d(cin, cout, kernel, stride, padding), nn.BatchNorm2d(cout)])


class Generator(nn.Module):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.temporal = nn.ModuleList([
            conv_bn_2d(1, 32, 4, 2, (2, 0)),
            conv_bn_2d(32, 128, 4, 2, (2, 0)),
            conv_bn_2d(128, 256, 4, 1, (2, 0)),
            conv_bn_2d(256, 256, (3, 1), 1, (1, 0)),
        ])
        levels = [(256, 256), (256, 256), (256, 512), (512, 512), (512, 512)]
        self.unet = UnetLevel(levels, 0, 256)
        self.post1 = nn.Conv1d(256 + PARAMS, 256, 3, 1, 1)
        self.post1_bn = nn.BatchNorm1d(256)
        self.post2 = nn.Conv1d(256, 256, 3, 1, 1)
        self.post2_bn = nn.BatchNorm1d(256)
        self.post3 = nn.Conv1d(256, CONTEXT, 3, 1, 1)
        chans = [DIM, 32, 32, 64, 64]
        self.local = nn.ModuleList([nn.ModuleList([nn.Conv1d(chans[k], chans[k + 1], 3, 2, 1), nn.BatchNorm1d(chans[k + 1])]) for k in range(4)])
        self.fc1 = nn.Linear(64, 32)
        self.bn_fc1 = nn.BatchNorm1d(32)
        self.fc = nn.Linear(32 + CONTEXT, PARAMS)
        nn.init.normal_(self.fc.weight, std=1e-3)

    def forward(self, audio, state):
        b, l = audio.shape[0], self.window
        h = audio[:, :, 8:9, :].reshape(b, 1, l, DIM)
        for conv, bn in self.temporal:
            h = F.leaky_relu(bn(conv(h)), 0.01)
        h = h.reshape(b, 256, -1)
        h = F.interpolate(h, size=l, mode='linear', align_corners=True)
        h = self.unet(h)
        s = state.reshape(b, PARAMS, 1).expand(b, PARAMS, l)
        h = F.leaky_relu(self.post1_bn(self.post1(torch.cat([h, s], 1))), 0.01)
        h = F.leaky_relu(self.post2_bn(self.post2(h)), 0.01)
        z = self.post3(h).permute(0, 2, 1).reshape(b * l, CONTEXT)
        c = audio.reshape(b * l, STEPS, DIM).permute(0, 2, 1)
        for conv, bn in self.local:
            c = bn(F.relu(conv(c)))
        c = self.bn_fc1(torch.tanh(self.fc1(c.reshape(b * l, 64))))
        return self.fc(torch.cat([c, z], 1)).reshape(b, l, PARAMS)


def motion(y):
    return y[:, 1:] - y[:, :-1]


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 3, 2, 1)
        self.layers = nn.ModuleList([
            nn.ModuleList([nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)])
            for cin, cout, stride in [(64, 128, 2), (128, 256, 2), (256, 512, 1)]
        ])
        self.out = nn.Conv2d(512, 1, 3, 1, 1)

    def forward(self, y):
        b, l, c = y.shape
        h = torch.cat([y, motion(y)], 1).reshape(b, 1, 2 * l - 1, c)
        h = F.leaky_relu(self.conv1(h), 0.2)
        for conv, bn in self.layers:
            h = F.leaky_relu(bn(conv(h)), 0.2)
        return self.out(h)


def generator_loss(pred, target, state, d_fake):
    first = pred[:, 0]
    initial = sum(F.l1_loss(first[:, a:b], state[:, a:b]) for a, b in [(0, 6), (6, 7), (7, 71)])
    mp, mt = motion(pred), motion(target)
    total = W['initial'] * initial
    for name, a, b in [('expr', 7, 71), ('blink', 6, 7), ('pose', 0, 6)]:
        total = total + W[name] * F.mse_loss(pred[:, :, a:b], target[:, :, a:b])
        total = total + W[name + '_motion'] * F.mse_loss(mp[:, :, a:b], mt[:, :, a:b])
    return total + W['gan'] * ((d_fake - 1) ** 2).mean()


def blas_library():
    """The BLAS shared object mapped into this process (Debian switches it with update-alternatives)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower()}
        return ', '.join(sorted(os.path.realpath(p) for p in libs)) or 'none found'
    except OSError:
        return 'unknown'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--serve', action='store_true')
    ap.add_argument('--steps', type=int, default=4)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--window', type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    L, n = args.window, args.batch
    G, D = Generator(L), Discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    audio = torch.randn(n, L, STEPS, DIM)
    state = 0.5 * torch.randn(n, PARAMS)
    target = 0.5 * torch.randn(n, L, PARAMS)

    def step():
        c0 = time.process_time()
        t0 = time.perf_counter()
        # D step: the generator runs in training mode (batch statistics) but is not differentiated.
        with torch.no_grad():
            fake = G(audio, state)
        d_loss = ((D(target) - 1) ** 2).mean() + (D(fake) ** 2).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        t1 = time.perf_counter()
        # G step: gradients flow through the frozen discriminator; only G is updated.
        D.requires_grad_(False)
        pred = G(audio, state)
        g_loss = generator_loss(pred, target, state, D(pred))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        D.requires_grad_(True)
        t2 = time.perf_counter()
        step.cpu_ms = (time.process_time() - c0) * 1000
        return (t1 - t0) * 1000, (t2 - t1) * 1000

    def info():
        return {
            'g_params': sum(p.numel() for p in G.parameters()),
            'd_params': sum(p.numel() for p in D.parameters()),
            'threads': torch.get_num_threads(),
            'torch': torch.__version__,
            'blas': blas_library(),
            'mkldnn': torch.backends.mkldnn.is_available(),
        }

    def infer_ms():
        G.eval()
        one_a, one_s = audio[:1].clone(), state[:1].clone()
        with torch.no_grad():
            for _ in range(3):
                G(one_a, one_s)
            times = []
            for _ in range(20):
                t0 = time.perf_counter()
                G(one_a, one_s)
                times.append((time.perf_counter() - t0) * 1000)
        G.train()
        return min(times)

    if args.serve:
        print(json.dumps(info()), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == 'step':
                d_ms, g_ms = step()
                print(json.dumps({'d_ms': d_ms, 'g_ms': g_ms, 'cpu_ms': step.cpu_ms}), flush=True)
            elif cmd.startswith('threads '):
                torch.set_num_threads(int(cmd.split()[1]))
                print(json.dumps({'threads': torch.get_num_threads()}), flush=True)
            elif cmd == 'infer':
                print(json.dumps({'infer_ms': infer_ms()}), flush=True)
            elif cmd in ('', 'quit'):
                break
        return

    step()
    times = [step() for _ in range(args.steps)]
    # Best of N: the machine may be shared, and the minimum is the least disturbed run.
    best = min(times, key=lambda t: t[0] + t[1])
    print(json.dumps({
        'step_ms': best[0] + best[1],
        'd_ms': best[0],
        'g_ms': best[1],
        'step_mean_ms': sum(d + g for d, g in times) / len(times),
        'infer_ms': infer_ms(),
        **info(),
    }))


if __name__ == '__main__':
    main()
