#!/usr/bin/env node
// The facial-studio command: runs the TypeScript CLI through tsx's loader, so the
// same sources serve the CLI, the studio and the tests without a build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { main } = await import(pathToFileURL(path.join(root, 'src/cli/main.ts')).href);
process.exitCode = await main(process.argv.slice(2));
