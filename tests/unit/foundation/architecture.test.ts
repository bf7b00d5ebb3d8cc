import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { repoRoot } from '../../helpers/repo';

/**
 * The layer table of docs/ARCHITECTURE.md, checked on every import in src/.
 * (ESLint enforces the same rules while editing, floors included, and a test below checks
 * that eslint.config.js agrees with this table; this test is the CI guarantee.)
 */
type Layer = 'shared' | 'engine-common' | 'engine' | 'host' | 'cli' | 'main' | 'preload' | 'renderer';

function layerOf(file: string, srcDir = path.join(repoRoot, 'src')): Layer | undefined {
  const rel = path.relative(srcDir, file).split(path.sep);
  if (rel[0] === 'engine') return rel[1] === 'common' ? 'engine-common' : 'engine';
  return (['shared', 'host', 'cli', 'main', 'preload', 'renderer'] as const).find((l) => l === rel[0]);
}

/**
 * Floors inside src/engine (docs/ARCHITECTURE.md): a folder may import its own floor
 * and lower ones, never a higher one. synthesis and quality are listed before they
 * exist so that they are checked as soon as they appear; a folder not listed here is
 * an offence (give it a floor when you create it).
 */
const ENGINE_FLOORS: Record<string, number> = {
  util: 0, io: 0, common: 0,
  media: 1,
  nn: 2,
  audio: 3,
  tracking: 4,
  persona: 5,
  gan: 6,
  render: 7,
  synthesis: 8,
  quality: 9,
  export: 10,
  demo: 11,
};

/** The engine folder a file is in ('' for a file directly in src/engine), or undefined outside the engine. */
function engineFolder(file: string, srcDir: string): string | undefined {
  const rel = path.relative(srcDir, file).split(path.sep);
  if (rel[0] !== 'engine') return undefined;
  return rel.length > 2 ? rel[1] : '';
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const DOM_GLOBALS = /(?<![.\w$])(document\.|window\.|HTMLElement\b|HTMLCanvasElement\b|navigator\.|localStorage\b|requestAnimationFrame\b)/;

/** What each layer may import: other layers, node builtins, and npm packages. */
const RULES: Record<Layer, { layers: Layer[]; builtins: boolean; packages: (pkg: string) => boolean; dom: boolean }> = {
  shared: { layers: ['shared'], builtins: false, packages: (p) => p === 'zod', dom: false },
  'engine-common': { layers: ['shared', 'engine-common'], builtins: false, packages: () => false, dom: false },
  engine: { layers: ['shared', 'engine-common', 'engine'], builtins: true, packages: (p) => !['electron', 'react', 'react-dom', 'three'].includes(p), dom: false },
  host: { layers: ['shared', 'engine-common', 'engine', 'host'], builtins: true, packages: (p) => !['electron', 'react', 'react-dom', 'three'].includes(p), dom: false },
  cli: { layers: ['shared', 'engine-common', 'engine', 'host', 'cli'], builtins: true, packages: (p) => !['electron', 'react', 'react-dom', 'three'].includes(p), dom: false },
  main: { layers: ['shared', 'engine-common', 'engine', 'host', 'main'], builtins: true, packages: (p) => !['react', 'react-dom', 'three'].includes(p), dom: false },
  preload: { layers: ['shared', 'preload'], builtins: false, packages: (p) => p === 'electron', dom: false },
  renderer: { layers: ['shared', 'engine-common', 'renderer'], builtins: false, packages: (p) => !['electron', 'onnxruntime-node', 'ws', 'tsx'].includes(p) && !p.startsWith('@tensorflow/') && !p.startsWith('@vladmandic/') && !p.startsWith('@ffmpeg'), dom: true },
};

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|tsx)$/.test(name)) yield p;
  }
}

const IMPORT_RE = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    out.push({ spec, typeOnly: /^(?:import|export)\s+type\s/.test(m[0]) });
  }
  return out;
}

function packageName(spec: string): string {
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
}

function violations(srcDir = path.join(repoRoot, 'src')): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const layer = layerOf(file, srcDir);
    if (!layer) continue;
    const rule = RULES[layer];
    const rel = path.relative(path.dirname(srcDir), file);
    const folder = engineFolder(file, srcDir);
    const floor = folder !== undefined ? ENGINE_FLOORS[folder] : undefined;
    if (folder !== undefined && floor === undefined) found.push(`${rel}: engine folder '${folder || '(top level)'}' has no floor (add it to the floor table)`);
    for (const { spec, typeOnly } of importsOf(file)) {
      if (spec.startsWith('.')) {
        const target = layerOf(path.resolve(path.dirname(file), spec), srcDir);
        // Type-only imports of electron's types are fine in main/preload; type imports
        // across layers are still checked: a type from the engine drags its module graph.
        if (target && !rule.layers.includes(target)) found.push(`${rel}: ${layer} may not import ${target} (${spec})`);
        const targetFolder = engineFolder(path.resolve(path.dirname(file), spec), srcDir);
        const targetFloor = targetFolder ? ENGINE_FLOORS[targetFolder] : undefined;
        if (floor !== undefined && targetFloor !== undefined && targetFloor > floor) {
          found.push(`${rel}: engine/${folder} (floor ${floor}) may not import engine/${targetFolder} (floor ${targetFloor}) (${spec})`);
        }
      } else if (builtins.has(spec) || builtins.has(spec.split('/')[0])) {
        if (!rule.builtins) found.push(`${rel}: ${layer} may not import the Node builtin ${spec}`);
      } else if (!rule.packages(packageName(spec)) && !(typeOnly && packageName(spec) === 'electron' && layer === 'main')) {
        found.push(`${rel}: ${layer} may not import ${spec}`);
      }
    }
    if (!rule.dom) {
      // Strip comments and string literals: prose may say "window." without using the DOM.
      const text = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/(['"`])(?:\\.|(?!\1)[^\\])*\1/g, "''")
        .replace(/\/\/.*$/gm, '');
      const m = DOM_GLOBALS.exec(text);
      if (m) found.push(`${rel}: ${layer} uses the DOM (${m[0]})`);
    }
  }
  return found;
}

describe('layer boundaries (docs/ARCHITECTURE.md)', () => {
  it('no source file imports across a forbidden boundary', () => {
    expect(violations()).toEqual([]);
  });

  it('the checker catches each kind of violation', () => {
    // A throw-away tree with one offence per rule, so a checker that passes everything fails here.
    const src = path.join(mkdtempSync(path.join(os.tmpdir(), 'arch-')), 'src');
    const put = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
      writeFileSync(path.join(src, rel), text);
    };
    put('engine/nn/graph.ts', 'export const g = 1;\n');
    put('engine/gan/bad.ts', "import { app } from 'electron';\nexport const w = document.title;\n");
    put('engine/render/dataset.ts', "import { RawFrameStream } from '../export/frame-stream';\n");
    put('engine/export/ok.ts', "import { RealFrames } from '../render/dataset';\nimport { Rng } from '../common/numeric';\nimport { g } from '../nn/graph';\n");
    put('engine/util/ok.ts', "import { png } from '../io/png';\n");
    put('engine/misc/thing.ts', "export const t = 1;\n");
    put('engine/common/pure.ts', "import fs from 'node:fs';\n");
    put('renderer/view.tsx', "import { g } from '../engine/nn/graph';\nimport os from 'os';\n");
    put('shared/types.ts', "import { g } from '../engine/nn/graph';\n");
    put('preload/index.ts', "import { api } from '../host/api-host';\n");
    put('renderer/ok.tsx', "import { PARAM_COUNT } from '../shared/facial-params';\nimport * as THREE from 'three';\n");
    const found = violations(src);
    expect(found).toEqual(expect.arrayContaining([
      expect.stringContaining('engine/gan/bad.ts: engine may not import electron'),
      expect.stringContaining('engine/gan/bad.ts: engine uses the DOM'),
      expect.stringContaining('engine/render/dataset.ts: engine/render (floor 7) may not import engine/export (floor 10)'),
      expect.stringContaining("engine/misc/thing.ts: engine folder 'misc' has no floor"),
      expect.stringContaining('engine/common/pure.ts: engine-common may not import the Node builtin node:fs'),
      expect.stringContaining('renderer/view.tsx: renderer may not import engine'),
      expect.stringContaining('renderer/view.tsx: renderer may not import the Node builtin os'),
      expect.stringContaining('shared/types.ts: shared may not import engine'),
      expect.stringContaining('preload/index.ts: preload may not import host'),
    ]));
    expect(found.filter((f) => /renderer\/ok\.tsx|engine\/export\/ok\.ts|engine\/util\/ok\.ts/.test(f))).toEqual([]);
    expect(found).toHaveLength(9);
  });

  it('ESLint flags the same floor offences while editing (eslint.config.js agrees with ENGINE_FLOORS)', async () => {
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({ cwd: repoRoot });
    const folders = Object.keys(ENGINE_FLOORS);
    for (const from of folders) {
      // One probe file per folder that imports every engine folder, one per line.
      const code = folders.map((to, i) => `import { x${i} } from '../${to}/thing';`).join('\n') + '\n';
      const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, 'src/engine', from, 'floor-probe.ts') });
      const flagged = new Set(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => folders[m.line - 1]));
      // engine/common is also a layer of its own: it imports no other engine folder.
      const expected = folders.filter((to) => (from === 'common' ? to !== 'common' : ENGINE_FLOORS[to] > ENGINE_FLOORS[from]));
      expect([...flagged].sort(), `imports flagged in engine/${from}`).toEqual(expected.sort());
    }
  });

  it('the preload script exposes only the typed bridge', () => {
    const text = readFileSync(path.join(repoRoot, 'src/preload/index.ts'), 'utf8');
    const exposed = [...text.matchAll(/exposeInMainWorld\(\s*['"](\w+)['"]\s*,\s*(\w+)/g)];
    expect(exposed.map((m) => m[1])).toEqual(['facialStudio']);
    expect(text).toMatch(/const bridge: StudioBridge = \{/);
    expect(text).not.toMatch(/ipcRenderer\s*[,}]\s*\)/); // never hands ipcRenderer itself over
    expect(text).not.toMatch(/require\(/);
  });
});
