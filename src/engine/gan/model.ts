/**
 * FACIAL-GAN on the neural engine (method doc section 4).
 *
 * Generator G = G_tem + G_loc + FC:
 *  - temporal: the centre step of every frame's audio window ([L x 29] map) through
 *    four Conv2d+BatchNorm+LeakyReLU layers, reshaped and linearly resized (align
 *    corners) to length L, a 1-D U-Net over time (256 ch, 5 levels: L must be a
 *    multiple of 32), concat the initial state s (71, repeated over time: 327 ch),
 *    Conv1d 327→256→256→32 (k3): a 32-value context z_t per frame;
 *  - local: per frame, its [16 x 29] window (29 channels over 16 steps) through four
 *    convolutions (k3, stride 2 over the steps; ReLU then BatchNorm), Linear 64→32,
 *    tanh, BatchNorm: c_t;
 *  - Linear(z_t ⊕ c_t: 64 → 71).
 * Discriminator D: 2-D PatchGAN over the [2L-1 x 71] image of the parameter sequence
 * stacked over its frame differences.
 *
 * `width` scales the wide channel counts (1 = the reference's sizes); the local path
 * and the 32-value features keep their sizes.
 */
import { BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose1d, Linear, F, fanInUniform, type Graph, type Tensor } from '../nn';
import { PARAM_COUNT } from '../../shared/facial-params';
import { alignCornersPosition, linearTap } from '../common/numeric';

export const AUDIO_STEPS = 16;
export const AUDIO_DIM = 29;
export const CONTEXT_DIM = 32;

export interface GanArchitecture {
  /** Window length L (multiple of 32). */
  window: number;
  /** Channel multiplier of the wide layers (1 = reference sizes). */
  width: number;
}

const ch = (n: number, width: number) => Math.max(8, Math.round(n * width));

/** Parameter names start with these prefixes. */
export const GEN_PREFIX = 'gen';
export const DIS_PREFIX = 'dis';

function convBnAct2d(g: Graph, x: Tensor, name: string, cin: number, cout: number, kernel: number[], stride: number[], padding: number[], slope: number): Tensor {
  return g.scope(name, () => {
    const y = new Conv2d(cin, cout, { kernel, stride, padding, name: 'conv' }).forward(g, x);
    const n = new BatchNorm2d(cout, { name: 'bn' }).forward(g, y);
    return F.leakyRelu(n, slope);
  });
}

/** Bilinear (align corners) resize of the last axis from n to m as a constant matrix product. */
function resizeLastAxis(g: Graph, x: Tensor, m: number): Tensor {
  const n = x.shape[x.rank - 1];
  if (n === m) return x;
  const M = new Float32Array(n * m);
  for (let j = 0; j < m; j++) {
    const { i0, i1, w } = linearTap(alignCornersPosition(j, n, m), n);
    M[i0 * m + j] += 1 - w;
    M[i1 * m + j] += w;
  }
  const lead = x.shape.slice(0, -1);
  const flat = F.reshape(x, [-1, n]);
  const y = F.matmul(flat, g.constant(M, [n, m]));
  return F.reshape(y, [...lead, m]);
}

/**
 * ConvTranspose1d(k4, stride 2, padding 1) with the same parameters (weight [Cin, Cout, 4]
 * at `<path>.weight`), computed as two ordinary convolutions with kernel 2 whose outputs
 * are interleaved: y[2m] = W3ᵀx[m-1] + W1ᵀx[m], y[2m+1] = W2ᵀx[m] + W0ᵀx[m+1]. ONNX
 * Runtime's CPU Conv kernels are much faster than its ConvTranspose; inference graphs
 * use this form (a unit test checks it against the transposed convolution).
 */
function upConvPolyphase(g: Graph, x: Tensor, cin: number, cout: number, bias: boolean): Tensor {
  const [B, , n] = x.shape;
  const w = g.param('weight', [cin, cout, 4], fanInUniform(cout * 4));
  const b = bias ? g.param('bias', [cout], fanInUniform(cout * 4)) : undefined;
  const taps = (i: number, j: number) => F.transpose(F.concat([F.narrow(w, 2, i, i + 1), F.narrow(w, 2, j, j + 1)], 2), [1, 0, 2]); // [Cout, Cin, 2]
  const even = F.conv(x, taps(3, 1), b, { pads: [1, 0] });
  const odd = F.conv(x, taps(2, 0), b, { pads: [0, 1] });
  return F.reshape(F.concat([F.unsqueeze(even, 3), F.unsqueeze(odd, 3)], 3), [B, cout, 2 * n]);
}

/**
 * One level of the 1-D U-Net (pix2pix's UnetSkipConnectionBlock, 1-D): down conv
 * (k4, s2), the inner block, up transposed conv (k4, s2); the output is concatenated
 * with the input except at the outermost level.
 */
function unetLevel(g: Graph, x: Tensor, levels: { outer: number; inner: number }[], depth: number, inputCh: number, polyphase: boolean): Tensor {
  const { outer, inner } = levels[depth];
  const outermost = depth === 0;
  const innermost = depth === levels.length - 1;
  return g.scope(`level${depth}`, () => {
    let h = x;
    if (!outermost) h = F.leakyRelu(h, 0.2);
    // No bias on any down conv (the reference's UnetSkipConnectionBlock with BatchNorm: use_bias=False);
    // only the outermost up conv has one.
    h = new Conv1d(inputCh, inner, { kernel: 4, stride: 2, padding: 1, bias: false, name: 'down' }).forward(g, h);
    if (!outermost && !innermost) h = new BatchNorm1d(inner, { name: 'down_bn' }).forward(g, h);
    let upIn = inner;
    if (!innermost) {
      h = unetLevel(g, h, levels, depth + 1, inner, polyphase);
      upIn = inner * 2;
    }
    h = F.relu(h);
    h = polyphase
      ? g.scope('up', () => upConvPolyphase(g, h, upIn, outer, outermost))
      : new ConvTranspose1d(upIn, outer, { kernel: 4, stride: 2, padding: 1, bias: outermost, name: 'up' }).forward(g, h);
    if (outermost) return F.tanh(h);
    h = new BatchNorm1d(outer, { name: 'up_bn' }).forward(g, h);
    return F.concat([x, h], 1);
  });
}

/** What the generator computes from the audio alone (independent of the initial state). */
export interface AudioEncoding {
  /** [B, 256w, L]: the first post-U-Net convolution applied to the U-Net's output (no bias). */
  pre: Tensor;
  /** [B*L, 32]: the local generator's per-frame features c_t. */
  local: Tensor;
}

/**
 * The generator's audio path: the temporal convolutions and U-Net (up to the first
 * Conv1d after it, without its state channels and bias) and the local generator.
 * Everything here is independent of the initial state, so inference can run it for
 * many windows in one batch (the state enters only in buildStatePath).
 */
export function buildAudioPath(g: Graph, audio: Tensor, arch: GanArchitecture, opts: { polyphase?: boolean } = {}): AudioEncoding {
  const [B, L, S, D] = audio.shape;
  if (L !== arch.window || S !== AUDIO_STEPS || D !== AUDIO_DIM) g.fail(`generator: audio must be [B, ${arch.window}, ${AUDIO_STEPS}, ${AUDIO_DIM}], got [${audio.shape}]`);
  if (L % 32 !== 0) g.fail(`generator: window ${L} is not a multiple of 32`);
  const w = arch.width;
  return g.scope(GEN_PREFIX, () => {
    // ---- temporal generator
    const pre = g.scope('temporal', () => {
      const centre = F.reshape(F.narrow(audio, 2, 8, 9), [B, 1, L, D]);
      const c1 = ch(32, w), c2 = ch(128, w), c3 = ch(256, w);
      let h = convBnAct2d(g, centre, 'conv1', 1, c1, [4, 4], [2, 2], [2, 0, 2, 0], 0.01);
      h = convBnAct2d(g, h, 'conv2', c1, c2, [4, 4], [2, 2], [2, 0, 2, 0], 0.01);
      h = convBnAct2d(g, h, 'conv3', c2, c3, [4, 4], [1, 1], [2, 0, 2, 0], 0.01);
      h = convBnAct2d(g, h, 'conv4', c3, c3, [3, 1], [1, 1], [1, 0, 1, 0], 0.01);
      // [B, C, H, W] → [B, C, H*W] → resize to L
      h = F.reshape(h, [B, c3, h.shape[2] * h.shape[3]]);
      h = resizeLastAxis(g, h, L);
      const u4 = ch(256, w), u8 = ch(512, w);
      const levels = [
        { outer: c3, inner: u4 },
        { outer: u4, inner: u4 },
        { outer: u4, inner: u8 },
        { outer: u8, inner: u8 },
        { outer: u8, inner: u8 },
      ];
      h = g.scope('unet', () => unetLevel(g, h, levels, 0, c3, opts.polyphase ?? false));
      // Conv1d(327 → 256) over concat(h, s repeated) = conv(h, W[:, :256]) + conv(s, W[:, 256:]) + b:
      // the audio part here, the state part in buildStatePath.
      const { weight } = post1Params(g, arch);
      return F.conv(h, F.narrow(weight, 1, 0, c3), undefined, { pads: [1, 1] });
    });
    // ---- local generator: per frame, 29 channels over 16 steps
    const local = g.scope('local', () => {
      let h = F.transpose(F.reshape(audio, [B * L, S, D]), [0, 2, 1]); // [N, 29, 16]
      const chans = [AUDIO_DIM, 32, 32, 64, 64];
      for (let k = 0; k < 4; k++) {
        h = g.scope(`conv${k + 1}`, () => {
          const y = F.relu(new Conv1d(chans[k], chans[k + 1], { kernel: 3, stride: 2, padding: 1, name: 'conv' }).forward(g, h));
          return new BatchNorm1d(chans[k + 1], { name: 'bn' }).forward(g, y);
        });
      }
      h = F.reshape(h, [B * L, 64]); // 16 → 8 → 4 → 2 → 1 steps
      h = F.tanh(new Linear(64, 32, { name: 'fc1' }).forward(g, h));
      return new BatchNorm1d(32, { name: 'bn_fc1' }).forward(g, h);
    });
    return { pre, local };
  });
}

/** The first post-U-Net Conv1d's parameters (327·w → 256·w, k3), shared by both paths (module path gen.temporal.post1.conv). */
function post1Params(g: Graph, arch: GanArchitecture): { weight: Tensor; bias: Tensor } {
  const c3 = ch(256, arch.width), p = ch(256, arch.width);
  const fanIn = (c3 + PARAM_COUNT) * 3;
  return g.scope('post1', () =>
    g.scope('conv', () => ({
      weight: g.param('weight', [p, c3 + PARAM_COUNT, 3], fanInUniform(fanIn)),
      bias: g.param('bias', [p], fanInUniform(fanIn)),
    })),
  );
}

/**
 * The generator's state path: the initial state s (71, repeated over the window)
 * joins the audio encoding, then BatchNorm/LeakyReLU, Conv1d 256→256→32 (z_t), and the
 * fully connected layer over z_t ⊕ c_t → 71 parameters per frame.
 */
export function buildStatePath(g: Graph, enc: AudioEncoding, state: Tensor, arch: GanArchitecture): Tensor {
  const [B, , L] = enc.pre.shape;
  const w = arch.width;
  const c3 = ch(256, w), p = ch(256, w);
  return g.scope(GEN_PREFIX, () => {
    const z = g.scope('temporal', () => {
      const { weight, bias } = post1Params(g, arch);
      const s = F.expand(F.reshape(state, [B, PARAM_COUNT, 1]), [B, PARAM_COUNT, L]);
      let h = F.add(enc.pre, F.conv(s, F.narrow(weight, 1, c3, c3 + PARAM_COUNT), bias, { pads: [1, 1] }));
      h = g.scope('post1', () => F.leakyRelu(new BatchNorm1d(p, { name: 'bn' }).forward(g, h), 0.01));
      h = g.scope('post2', () => F.leakyRelu(new BatchNorm1d(p, { name: 'bn' }).forward(g, new Conv1d(p, p, { kernel: 3, padding: 1, name: 'conv' }).forward(g, h)), 0.01));
      h = new Conv1d(p, CONTEXT_DIM, { kernel: 3, padding: 1, name: 'post3' }).forward(g, h);
      // [B, 32, L] → [B*L, 32]
      return F.reshape(F.transpose(h, [0, 2, 1]), [B * L, CONTEXT_DIM]);
    });
    // Small initial output weights: an untrained generator starts near the persona's mean
    // (a loss of the order of a constant predictor's) instead of large frame-to-frame noise
    // that the motion terms (x200) punish; the reference fine-tunes from a pretrained model instead.
    const out = new Linear(32 + CONTEXT_DIM, PARAM_COUNT, { name: 'fc', init: { kind: 'normal', std: 1e-3 } }).forward(g, F.concat([enc.local, z], 1));
    return F.reshape(out, [B, L, PARAM_COUNT]);
  });
}

/**
 * The generator: audio [B, L, 16, 29] and initial state [B, 71] → parameters [B, L, 71]
 * (network space). Parameters are named `gen.*`.
 */
export function buildGenerator(g: Graph, audio: Tensor, state: Tensor, arch: GanArchitecture): Tensor {
  if (state.rank !== 2 || state.shape[0] !== audio.shape[0] || state.shape[1] !== PARAM_COUNT) g.fail(`generator: state must be [${audio.shape[0]}, ${PARAM_COUNT}], got [${state.shape}]`);
  return buildStatePath(g, buildAudioPath(g, audio, arch), state, arch);
}

/** Frame differences of [B, L, C] along time: [B, L-1, C]. */
export function motion(y: Tensor): Tensor {
  const L = y.shape[1];
  return F.sub(F.narrow(y, 1, 1, L), F.narrow(y, 1, 0, L - 1));
}

/** The PatchGAN discriminator over [B, L, 71] → patch scores [B, 1, h, w]. Parameters are named `dis.*`. */
export function buildDiscriminator(g: Graph, y: Tensor, arch: GanArchitecture): Tensor {
  const [B, L, C] = y.shape;
  const w = arch.width;
  return g.scope(DIS_PREFIX, () => {
    const img = F.reshape(F.concat([y, motion(y)], 1), [B, 1, 2 * L - 1, C]);
    const n1 = ch(64, w), n2 = ch(128, w), n3 = ch(256, w), n4 = ch(512, w);
    let h = F.leakyRelu(new Conv2d(1, n1, { kernel: 3, stride: 2, padding: 1, name: 'conv1' }).forward(g, img), 0.2);
    const layer = (name: string, cin: number, cout: number, stride: number) =>
      g.scope(name, () => F.leakyRelu(new BatchNorm2d(cout, { name: 'bn' }).forward(g, new Conv2d(cin, cout, { kernel: 3, stride, padding: 1, bias: false, name: 'conv' }).forward(g, h)), 0.2));
    h = layer('conv2', n1, n2, 2);
    h = layer('conv3', n2, n3, 2);
    h = layer('conv4', n3, n4, 1);
    return new Conv2d(n4, 1, { kernel: 3, stride: 1, padding: 1, name: 'out' }).forward(g, h);
  });
}
