import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';
import path from 'node:path';

// Desktop build: main process (plus the job-process entry it forks and the tracker's worker), the sandboxed
// preload bridge, and the React renderer shared with browser mode.
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: path.resolve(import.meta.dirname, 'src/main/index.ts'),
          'job-process': path.resolve(import.meta.dirname, 'src/host/job-process.ts'),
          // Face tracking threads of the persona builder (src/engine/tracking/tracker-pool.ts looks for it beside the entries).
          'tracker-worker': path.resolve(import.meta.dirname, 'src/engine/tracking/tracker-worker.ts'),
          // The studio's output preview thread (src/host/output-preview.ts looks for it beside the entries).
          'output-preview-worker': path.resolve(import.meta.dirname, 'src/host/output-preview-worker.ts'),
          // An export's footage decoding and encoding threads (src/engine/export/footage-path-reader.ts, off-thread-video-writer.ts).
          'footage-reader-worker': path.resolve(import.meta.dirname, 'src/engine/export/footage-reader-worker.ts'),
          'video-writer-worker': path.resolve(import.meta.dirname, 'src/engine/export/video-writer-worker.ts'),
        },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: path.resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: path.resolve(import.meta.dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: path.resolve(import.meta.dirname, 'src/renderer/index.html') },
    },
  },
});
