import { describe, expect, it } from 'vitest';
import { deviceOptions, deviceReducer, initialDevice } from '../../../src/renderer/state/device';

describe('device choice', () => {
  it('defaults to the CPU, takes only known devices from storage, and keeps unknown values out', () => {
    expect(initialDevice.device).toBe('cpu');
    expect(deviceReducer(initialDevice, { type: 'load', stored: 'webgpu' }).device).toBe('webgpu');
    expect(deviceReducer(initialDevice, { type: 'load', stored: 'tpu' })).toBe(initialDevice);
    expect(deviceReducer(initialDevice, { type: 'load', stored: null })).toBe(initialDevice);
    expect(deviceReducer(initialDevice, { type: 'choose', device: 'auto' }).device).toBe('auto');
  });

  it('options say which providers the doctor found unusable and what auto uses', () => {
    const s = deviceReducer(initialDevice, {
      type: 'probed',
      onnxruntime: {
        version: '1.30.0',
        auto: 'cpu',
        providers: [
          { name: 'cpu', available: true },
          { name: 'webgpu', available: false, reason: 'no GPU adapter' },
          { name: 'cuda', available: true },
        ],
      },
    });
    const o = deviceOptions(s);
    expect(o.map((x) => x.value)).toEqual(['auto', 'cpu', 'webgpu', 'cuda']);
    expect(o[0].label).toBe('Auto (CPU here)');
    expect(o[2]).toMatchObject({ available: false, reason: 'no GPU adapter', label: 'GPU (WebGPU): not available' });
    expect(o[3].available).toBe(true);
    // Before the doctor answered, nothing is marked unavailable.
    expect(deviceOptions(initialDevice).every((x) => x.available)).toBe(true);
  });
});
