import { DEVICES, type Device, type DoctorReport } from '../../shared/contract';
import { createStore } from './store';

/**
 * Where the studio asks the host to run networks (training, generation, export): a
 * choice remembered in localStorage, with what `app.doctor` found on this machine so
 * that the control can say which choices work and what 'auto' would use.
 */
export const DEVICE_KEY = 'facial-studio.device';

export interface DeviceState {
  device: Device;
  /** From app.doctor; undefined until it answered. */
  providers?: DoctorReport['onnxruntime']['providers'];
  auto?: string;
}

export type DeviceAction = { type: 'choose'; device: Device } | { type: 'load'; stored: unknown } | { type: 'probed'; onnxruntime: DoctorReport['onnxruntime'] };

export const initialDevice: DeviceState = { device: 'cpu' };

const isDevice = (v: unknown): v is Device => typeof v === 'string' && (DEVICES as readonly string[]).includes(v);

export function deviceReducer(state: DeviceState, action: DeviceAction): DeviceState {
  switch (action.type) {
    case 'choose':
      return state.device === action.device ? state : { ...state, device: action.device };
    case 'load':
      // Untrusted storage: anything but a known device keeps the current choice.
      return isDevice(action.stored) && action.stored !== state.device ? { ...state, device: action.stored } : state;
    case 'probed':
      return { ...state, providers: action.onnxruntime.providers, auto: action.onnxruntime.auto ?? 'cpu' };
  }
}

export interface DeviceOption {
  value: Device;
  label: string;
  /** False when the probe found the provider unusable here (the reason says why). */
  available: boolean;
  reason?: string;
}

const NAMES: Record<Device, string> = { auto: 'Auto', cpu: 'CPU', webgpu: 'GPU (WebGPU)', cuda: 'GPU (CUDA)' };

export function deviceOptions(state: DeviceState): DeviceOption[] {
  return DEVICES.map((value) => {
    if (value === 'auto') return { value, label: state.auto ? `Auto (${NAMES[state.auto as Device] ?? state.auto} here)` : NAMES.auto, available: true };
    const probe = state.providers?.find((p) => p.name === value);
    return probe && !probe.available ? { value, label: `${NAMES[value]}: not available`, available: false, reason: probe.reason } : { value, label: NAMES[value], available: true };
  });
}

/** One store for the window (the choice is per user, not per project). */
export const deviceStore = createStore(deviceReducer, initialDevice);
