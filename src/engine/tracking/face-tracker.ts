import { createRequire } from 'node:module';
import { promises as fs, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import type { Config, FaceResult, Human } from '@vladmandic/human';
import { UserError } from '../util/errors';

/**
 * Dense face tracking with @vladmandic/human on tfjs's wasm backend, in Node,
 * with every model read from the installed package (no network):
 * blazeface detector + 468-point facemesh + iris refinement = 478 landmarks.
 *
 * Landmarks come back in the pixels of the frame given (x right, y down) plus a
 * relative depth z in the same pixel scale (smaller = closer to the camera).
 */

export const LANDMARK_COUNT = 478;
export const MESH_VERTEX_COUNT = 468;
/** Input size of human's facemesh model (models/facemesh.json). */
const MESH_INPUT_SIZE = 192;

export interface TrackedFace {
  /** [478*3] x, y (source pixels), z (relative depth, pixel scale). */
  landmarks: Float32Array;
  /** [x, y, w, h] in source pixels. */
  box: [number, number, number, number];
  /** Overall confidence 0..1. */
  score: number;
}

// Not named `require`: electron-vite's ESM shim declares one at the top of each bundled chunk.
const requireHere = createRequire(import.meta.url);

/** Folder of the installed @vladmandic/human package. */
function humanPackageDir(): string {
  // The package's "exports" map has no subpath entries Node accepts, so resolve its
  // main entry (dist/human.node.js) and go from there.
  let main: string;
  try {
    main = requireHere.resolve('@vladmandic/human');
  } catch (err) {
    throw new UserError('tracker-missing', 'The face tracker package @vladmandic/human is not installed.', {
      hint: 'Run `npm ci` in the project folder.',
      cause: err,
    });
  }
  return path.dirname(path.dirname(main));
}

function wasmDir(): string {
  const main = requireHere.resolve('@tensorflow/tfjs-backend-wasm');
  // main is dist/index.js (or dist/tf-backend-wasm.node.js): the .wasm files sit beside it.
  return path.dirname(main) + path.sep;
}

/** The subset of tfjs we use, taken from human's own tfjs instance (one instance only). */
interface Tfjs {
  tensor3d(values: Uint8Array | Int32Array | Float32Array, shape: [number, number, number], dtype: 'int32' | 'float32'): TensorLike;
  expandDims(t: TensorLike, axis: number): TensorLike;
  dispose(t: TensorLike | TensorLike[]): void;
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  memory(): { numTensors: number };
  io: {
    registerLoadRouter(router: (url: string | string[]) => unknown): void;
    getModelArtifactsForJSON(json: unknown, loadWeights: (manifest: WeightGroup[]) => Promise<[unknown[], ArrayBuffer]>): Promise<unknown>;
  };
  env(): { set(flag: string, value: unknown): void };
}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
interface TensorLike {}
interface WeightGroup { paths: string[]; weights: unknown[] }

type HumanModule = { Human: new (cfg: Partial<Config>) => Human };
let cachedModule: { mod: HumanModule; subPixel: boolean } | undefined;

/**
 * human 3.3.6 rounds every mesh point to whole pixels (Math.trunc) in the step that
 * maps the mesh from its 192x192 crop back to the frame; for eyelids ~10 px apart,
 * that quantisation is most of the blink signal's noise. We load the bundle with that
 * one expression replaced by its unrounded form (the same code, without trunc), using
 * Node's public vm + createRequire. If the pattern is not found (another human
 * version), the stock module is loaded and landmarks stay whole pixels.
 */
const TRUNC_PATTERN = 'return c.map(x=>[Math.trunc(x[0]+y[0]),Math.trunc(x[1]+y[1]),Math.trunc(x[2]||0)])';
const SUBPIXEL_REPLACEMENT = 'return c.map(x=>[x[0]+y[0],x[1]+y[1],x[2]||0])';

/**
 * human's frame-difference check (image.skip) computes the squared difference of the
 * whole frame with the previous one on every frame (~2 ms at 512x512) and lets the
 * detector be skipped when it is at most cacheSensitivity. We follow the face with
 * cacheSensitivity = Infinity, where that comparison is always true: this patch answers
 * true at once in that case (skipping is still only allowed: FaceTracker.track's
 * cadence and a lost face still decide). Not found: the stock check runs,
 * with the same outcome.
 */
const SKIP_CHECK_PATTERN = '{let n=!1;if(e.cacheSensitivity===0||!t.shape';
const SKIP_CHECK_REPLACEMENT = '{let n=!1;if(e.cacheSensitivity===1/0)return!0;if(e.cacheSensitivity===0||!t.shape';

function loadHumanModule(entry: string): { mod: HumanModule; subPixel: boolean } {
  if (cachedModule) return cachedModule;
  const source = readFileSync(entry, 'utf8');
  const occurrences = (pattern: string) => source.split(pattern).length - 1;
  if (occurrences(TRUNC_PATTERN) !== 1) {
    cachedModule = { mod: requireHere(entry) as HumanModule, subPixel: false };
    return cachedModule;
  }
  let patched = source.replace(TRUNC_PATTERN, SUBPIXEL_REPLACEMENT);
  if (occurrences(SKIP_CHECK_PATTERN) === 1) patched = patched.replace(SKIP_CHECK_PATTERN, SKIP_CHECK_REPLACEMENT);
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${patched}\n})`, {
    filename: entry,
  }) as (e: object, r: NodeJS.Require, m: { exports: object }, f: string, d: string) => void;
  const module = { exports: {} as object };
  wrapper(module.exports, createRequire(entry), module, entry, path.dirname(entry));
  cachedModule = { mod: module.exports as HumanModule, subPixel: true };
  return cachedModule;
}

let routerRegistered = false;
const MODEL_SCHEME = 'facialstudio-model://';

/**
 * tfjs's Node build has no file:// handler without tfjs-node, and human's default
 * loader fetches from a URL. We register a load router for our own scheme that reads
 * model.json and its weight shards from disk. It only answers URLs of that scheme,
 * so nothing else in the process is affected.
 */
function registerDiskModelRouter(tf: Tfjs): void {
  if (routerRegistered) return;
  routerRegistered = true;
  tf.io.registerLoadRouter((url: string | string[]) => {
    const u = Array.isArray(url) ? url[0] : url;
    if (typeof u !== 'string' || !u.startsWith(MODEL_SCHEME)) return null;
    const file = u.slice(MODEL_SCHEME.length);
    return {
      load: async () => {
        let json: { weightsManifest?: WeightGroup[] };
        try {
          json = JSON.parse(await fs.readFile(file, 'utf8'));
        } catch (err) {
          throw new UserError('tracker-model-missing', `Cannot read the face tracking model ${file}: ${(err as Error).message}`, {
            file,
            hint: 'Reinstall the project dependencies (`npm ci`); the models ship inside @vladmandic/human.',
          });
        }
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
          const specs: unknown[] = [];
          const buffers: Buffer[] = [];
          for (const group of manifest) {
            specs.push(...group.weights);
            for (const p of group.paths) buffers.push(await fs.readFile(path.join(path.dirname(file), p)));
          }
          const all = Buffer.concat(buffers);
          return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
        });
      },
    };
  });
}

/** Default detector cadence, frames (see FaceTrackerOptions.detectEvery). */
export const DETECT_EVERY = 10;
/**
 * Mesh passes re-run on a frame after the detector ran on it, each from the box of the
 * previous pass's mesh. The detector's box is placed unlike the mesh's own (on the
 * vertical demo clip, ~30 px lower on a bearded face), and a mesh fitted in it can be far
 * off: the inner-lip gap of every detection frame read 10-20 mm on a closed mouth (every
 * 10th frame of the clip, persona and quality report alike). One pass from the mesh's
 * own box brings it within ~0.5 mm of where following converges, a second within ~0.1 mm.
 */
export const REFINE_PASSES = 2;
/** Where a tracker stands in its video: frames it has seen, frames since the detector last ran, whether the last frame had a face. */
export interface DetectorState {
  readonly framesSeen: number;
  readonly sinceDetect: number;
  readonly lastFound: boolean;
}

/**
 * Whether the detector runs on the next frame: on the first, when asked (the start of a
 * chunk whose previous frame this tracker has not seen), every `detectEvery` frames, and
 * after a frame without a face (there is no box to follow).
 */
export function detectorDue(s: DetectorState, redetect: boolean, detectEvery: number): boolean {
  return s.framesSeen === 0 || redetect || !s.lastFound || s.sinceDetect >= detectEvery;
}

/**
 * human's frame-difference threshold when the detector may be skipped: every frame
 * counts as "unchanged" (the detector then runs only when track() asks for it; see
 * SKIP_CHECK_PATTERN). 0 disables the cache: human runs the detector on that frame
 * (see FaceTracker.track).
 */
const FOLLOW_SENSITIVITY = Infinity;
const REDETECT_SENSITIVITY = 0;

export interface FaceTrackerOptions {
  /** Up to this many faces per frame (for identity following). Default 3. */
  maxFaces?: number;
  /** Run the detector at least every N frames (between, boxes follow the mesh; a lost face is re-detected at once). Default DETECT_EVERY. */
  detectEvery?: number;
  /** Mesh passes re-run from the mesh's own box on a frame where the detector ran. Default REFINE_PASSES. */
  refinePasses?: number;
}

export interface TrackFrameOptions {
  /**
   * Run the face detector on this frame instead of following the previous frame's
   * boxes: the start of a run of frames (a chunk) whose previous frame this tracker
   * has not seen. Its detector cadence then restarts from this frame.
   */
  redetect?: boolean;
}

/**
 * A loaded tracker. One per process is plenty (human keeps per-instance caches of the
 * previous frame's boxes, which is what makes it a tracker): create, use on one video, dispose.
 */
export class FaceTracker {
  private framesSeen = 0;
  /** Frames since the detector last ran, and whether the last frame had a face (else human re-detects). */
  private sinceDetect = 0;
  private lastFound = false;
  private pixels = new Float32Array(0);

  private constructor(
    private readonly human: Human,
    private readonly tf: Tfjs,
    /** Whether landmarks carry sub-pixel precision (see loadHumanModule). */
    readonly subPixel: boolean,
    private readonly detectEvery: number,
    private readonly refinePasses: number,
  ) {}

  static async create(opts: FaceTrackerOptions = {}): Promise<FaceTracker> {
    const pkgDir = humanPackageDir();
    const modelsDir = path.join(pkgDir, 'models');
    const entry = path.join(pkgDir, 'dist', 'human.node-wasm.js');
    if (!existsSync(entry) || !existsSync(path.join(modelsDir, 'facemesh.json'))) {
      throw new UserError('tracker-missing', `The face tracker's files were not found under ${pkgDir}.`, {
        file: pkgDir,
        hint: 'Run `npm ci` in the project folder.',
      });
    }
    const { mod, subPixel } = loadHumanModule(entry);
    const config: Partial<Config> = {
      backend: 'wasm',
      wasmPath: wasmDir(),
      modelBasePath: MODEL_SCHEME + modelsDir + path.sep,
      debug: false,
      async: true,
      warmup: 'none',
      cacheModels: false,
      // The frame-difference cache only decides whether the detector may be skipped
      // (the mesh runs on every frame from the previous frame's box); we want the
      // detector every `detectEvery` frames and whenever the face is lost (track() asks
      // for it with a sensitivity of 0), so allow skipping otherwise.
      cacheSensitivity: FOLLOW_SENSITIVITY,
      filter: { enabled: false } as Config['filter'],
      gesture: { enabled: false },
      face: {
        enabled: true,
        detector: {
          enabled: true,
          rotation: true,
          maxDetected: Math.max(1, opts.maxFaces ?? 3),
          // The cadence is ours (track() asks for the detector), so human never re-detects on its own count or clock.
          skipFrames: Number.MAX_SAFE_INTEGER,
          skipTime: Number.MAX_SAFE_INTEGER,
          minConfidence: 0.3,
          minSize: 0,
          iouThreshold: 0.1,
          return: false,
        },
        mesh: { enabled: true, keepInvalid: false },
        iris: { enabled: true },
        attention: { enabled: false },
        emotion: { enabled: false },
        description: { enabled: false },
        antispoof: { enabled: false },
        liveness: { enabled: false },
        gear: { enabled: false },
      } as unknown as Config['face'],
      body: { enabled: false } as Config['body'],
      hand: { enabled: false } as Config['hand'],
      object: { enabled: false } as Config['object'],
      segmentation: { enabled: false } as Config['segmentation'],
    };
    const human = new mod.Human(config);
    const tf = human.tf as Tfjs;
    registerDiskModelRouter(tf);
    // Emscripten in Node reads the .wasm with fs from this folder; threads need a
    // worker script that Node cannot load from a Blob, so use the single-threaded SIMD build.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const quiet = silenceHumanLogs();
    try {
      await human.init();
      await human.load();
    } catch (err) {
      throw new UserError('tracker-init-failed', `The face tracker could not start: ${(err as Error).message ?? String(err)}`, {
        hint: 'Check that the project dependencies are installed completely (`npm ci`).',
        cause: err,
      });
    } finally {
      quiet.restore();
    }
    if (tf.getBackend() !== 'wasm') {
      throw new UserError('tracker-init-failed', `The face tracker started on the "${tf.getBackend()}" backend instead of wasm.`, {
        hint: 'Check that @tensorflow/tfjs-backend-wasm is installed (`npm ci`).',
      });
    }
    return new FaceTracker(human, tf, subPixel, Math.max(1, opts.detectEvery ?? DETECT_EVERY), Math.max(0, opts.refinePasses ?? REFINE_PASSES));
  }

  /** Mesh triangles (indices into the 468 mesh points), flat [F*3]. */
  get triangles(): number[] {
    return this.human.faceTriangulation;
  }

  /** Canonical UV coordinates (0..1, v down) of the 468 mesh points. */
  get uvs(): [number, number][] {
    return this.human.faceUVMap;
  }

  /** Tracks the faces in one RGB24 frame. Returns faces with full 478-point meshes only. */
  async track(rgb: Uint8Array, width: number, height: number, opts: TrackFrameOptions = {}): Promise<TrackedFace[]> {
    // human works on float32 pixels (it casts an int32 input): convert into a scratch
    // array reused across frames (tfjs copies it into wasm memory at once) instead of
    // having tfjs allocate an Int32Array per frame and wasm cast it.
    const size = width * height * 3;
    if (this.pixels.length !== size) this.pixels = new Float32Array(size);
    this.pixels.set(rgb.subarray(0, size));
    const t3 = this.tf.tensor3d(this.pixels, [height, width, 3], 'float32');
    const t4 = this.tf.expandDims(t3, 0);
    let faces: FaceResult[];
    try {
      const quiet = silenceHumanLogs();
      try {
        // When the detector is due (detectorDue), human is told through its
        // frame-difference cache (human.ts: skipAllowed = image.skip(...)): a
        // sensitivity of 0 turns the cache off for this frame, so the detector runs.
        // Also on the first frame: human keeps its boxes per process, and a box left by
        // another tracker (an earlier video) must not be followed.
        const detect = detectorDue({ framesSeen: this.framesSeen, sinceDetect: this.sinceDetect, lastFound: this.lastFound }, opts.redetect === true, this.detectEvery);
        this.human.config.cacheSensitivity = detect ? REDETECT_SENSITIVITY : FOLLOW_SENSITIVITY;
        this.framesSeen++;
        this.sinceDetect = detect ? 1 : this.sinceDetect + 1;
        faces = (await this.human.detect(t4 as never)).face ?? [];
        // A mesh in the detector's box can be far off (REFINE_PASSES): run it again from its own box.
        this.human.config.cacheSensitivity = FOLLOW_SENSITIVITY;
        for (let pass = 0; detect && faces.length > 0 && pass < this.refinePasses; pass++) {
          faces = (await this.human.detect(t4 as never)).face ?? [];
        }
        this.lastFound = faces.length > 0;
      } finally {
        quiet.restore();
      }
    } finally {
      this.tf.dispose([t3, t4]);
    }
    const out: TrackedFace[] = [];
    for (const f of faces) {
      if (!f.mesh || f.mesh.length < LANDMARK_COUNT) continue;
      const lm = new Float32Array(LANDMARK_COUNT * 3);
      // human scales x and y from the mesh model's 192x192 crop to frame pixels but
      // leaves z in crop units; the crop is the face box (f.box), so scale z alike.
      const zScale = (f.box[2] || MESH_INPUT_SIZE) / MESH_INPUT_SIZE;
      for (let i = 0; i < LANDMARK_COUNT; i++) {
        const p = f.mesh[i];
        lm[i * 3] = p[0];
        lm[i * 3 + 1] = p[1];
        lm[i * 3 + 2] = (p[2] ?? 0) * zScale;
      }
      out.push({ landmarks: lm, box: [f.box[0], f.box[1], f.box[2], f.box[3]], score: f.score });
    }
    return out;
  }

  /** Number of live tensors (leak check in tests). */
  tensorCount(): number {
    return this.tf.memory().numTensors;
  }

  dispose(): void {
    // human has no dispose of its own; dropping the instance frees its models with it.
  }
}

/** human logs some notices with console.log; keep the CLI's output clean while it works. */
function silenceHumanLogs(): { restore: () => void } {
  const orig = console.log;
  console.log = (...args: unknown[]) => {
    if (typeof args[1] === 'string' && args[1] === 'Human:') return;
    if (typeof args[0] === 'string' && /Human:/.test(args[0])) return;
    orig(...args);
  };
  return { restore: () => { console.log = orig; } };
}

