import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root and the real test data beside it (absent in a fresh clone). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedData = path.resolve(repoRoot, '../shared/data');
export const hasSharedData = existsSync(path.join(sharedData, 'README.md'));
export const skipNoSharedData = hasSharedData ? '' : `../shared/data is absent (${sharedData}): real-data tests skipped`;
