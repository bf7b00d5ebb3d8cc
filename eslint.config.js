import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// The layer rules of docs/ARCHITECTURE.md as lint errors (tests/unit/foundation/architecture.test.ts
// checks the same table by reading every import).
const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'worker_threads', 'http', 'net', 'url', 'module', 'stream', 'events', 'zlib', 'util'];

// The engine's floors (docs/ARCHITECTURE.md), lowest first: a folder may import its own
// floor and lower ones. tests/unit/foundation/architecture.test.ts holds the same table
// (it is the source of truth and checks that this one agrees with it).
const ENGINE_FLOORS = [['util', 'io', 'common'], ['media'], ['nn'], ['audio'], ['tracking'], ['persona'], ['gan'], ['render'], ['synthesis'], ['quality'], ['export'], ['demo']];
/** A relative import of one of `folders` from inside src/engine: one or more `../`, then the folder. */
const engineFolderImport = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
const enginePatterns = [
  { group: ['electron', 'react', 'react-dom', 'react/*', 'three', 'three/*'], message: 'The engine and host run without Electron or a DOM.' },
  { group: ['**/renderer/**', '**/main/**', '**/preload/**', '**/cli/**'], message: 'The engine may not depend on front ends.' },
];
/** One config block per engine folder below the top floor: the engine's rules plus "no import of a higher floor". */
const engineFloorBlocks = ENGINE_FLOORS.flatMap((folders, floor) => {
  const above = ENGINE_FLOORS.slice(floor + 1).flat();
  return folders.filter((f) => f !== 'common' && above.length > 0).map((folder) => ({
    files: [`src/engine/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ...enginePatterns,
        { regex: engineFolderImport(above), message: `engine/${folder} is on floor ${floor}: it may not import a higher floor (${above.join(', ')}); see docs/ARCHITECTURE.md.` },
      ] }],
    },
  }));
});

export default tseslint.config(
  { ignores: ['node_modules', 'out', 'dist', 'dist-web', 'release', 'test-artifacts', 'bench/pytorch', 'bin', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
      'prefer-const': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['src/engine/**/*.ts', 'src/host/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: enginePatterns }] },
  },
  ...engineFloorBlocks,
  {
    files: ['src/engine/common/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: nodeBuiltins, message: 'Shared and engine/common code also runs in the browser: no Node builtins.' },
        { group: ['electron', 'react', 'react-dom', 'three', 'onnxruntime-node', '@vladmandic/*', '@tensorflow/*'], message: 'Pure code only.' },
        { group: ['**/engine/*/**', '!**/engine/common/**', '**/host/**', '**/renderer/**', '**/main/**', '**/preload/**', '**/cli/**'], message: 'Shared code depends on nothing but itself.' },
      ] }],
    },
  },
  {
    files: ['src/engine/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: nodeBuiltins, message: 'Shared and engine/common code also runs in the browser: no Node builtins.' },
        { group: ['electron', 'react', 'react-dom', 'three', 'onnxruntime-node', '@vladmandic/*', '@tensorflow/*'], message: 'Pure code only.' },
        { group: ['**/host/**', '**/renderer/**', '**/main/**', '**/preload/**', '**/cli/**'], message: 'engine/common depends on nothing but src/shared and itself.' },
        { regex: engineFolderImport(ENGINE_FLOORS.flat().filter((f) => f !== 'common')), message: 'engine/common depends on nothing but src/shared and itself (it also runs in the studio UI).' },
      ] }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [
        { group: nodeBuiltins, message: 'The renderer runs in a browser sandbox: no Node builtins.' },
        { group: ['electron', 'onnxruntime-node', '@vladmandic/*', '@tensorflow/*', 'ws'], message: 'The renderer talks to the engine only through the API contract.' },
        { group: ['**/engine/*/**', '!**/engine/common/**', '**/host/**', '**/main/**', '**/preload/**', '**/cli/**'], message: 'The renderer may import only src/shared and src/engine/common.' },
      ] }],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/engine/**', '**/host/**', '**/renderer/**', '**/main/**', '**/cli/**', 'react', 'three'], message: 'The preload exposes only the typed bridge.' },
      ] }],
    },
  },
  {
    files: ['src/main/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['react', 'react-dom', 'three', '**/renderer/**'], message: 'The main process has no DOM.' },
      ] }],
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,mjs,js}'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
