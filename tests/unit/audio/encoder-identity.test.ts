import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encoderIdentity, describeEncoderIdentity, BUILTIN_ENCODER_IDENTITY, NPY_ENCODER_IDENTITY } from '../../../src/engine/audio';

describe('audio encoder identity (recorded by personas and models)', () => {
  it('names the built-in features by version, an ONNX encoder by its file\'s hash (not its name), npy features as external', async () => {
    expect(await encoderIdentity(undefined)).toBe(BUILTIN_ENCODER_IDENTITY);
    expect(await encoderIdentity('builtin')).toBe(BUILTIN_ENCODER_IDENTITY);
    expect(await encoderIdentity({ kind: 'npy', path: '/nowhere/x.npy' })).toBe(NPY_ENCODER_IDENTITY);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'enc-id-'));
    try {
      const a = path.join(dir, 'a.onnx');
      const b = path.join(dir, 'renamed.onnx');
      const c = path.join(dir, 'c.onnx');
      writeFileSync(a, 'model bytes');
      writeFileSync(b, 'model bytes');
      writeFileSync(c, 'other model bytes');
      const ia = await encoderIdentity({ kind: 'onnx', path: a });
      expect(ia).toMatch(/^onnx:[0-9a-f]{16}$/);
      expect(await encoderIdentity({ kind: 'onnx', path: b })).toBe(ia);
      expect(await encoderIdentity({ kind: 'onnx', path: c })).not.toBe(ia);
      expect(describeEncoderIdentity(ia)).toBe(`the ONNX speech encoder with file hash ${ia.slice(5)}`);
      expect(describeEncoderIdentity(BUILTIN_ENCODER_IDENTITY)).toBe('the built-in log-mel features (v1)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
