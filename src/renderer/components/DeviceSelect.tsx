import { useEffect } from 'react';
import type { Device } from '../../shared/contract';
import { useApp } from '../app-context';
import { DEVICE_KEY, deviceOptions, deviceStore } from '../state/device';
import { useStore } from '../state/use-store';

/** "Run networks on": CPU, a GPU, or auto; remembered for the next session, sent with training and export jobs. */
export function DeviceSelect() {
  const { api } = useApp();
  const state = useStore(deviceStore, (s) => s);
  useEffect(() => {
    deviceStore.dispatch({ type: 'load', stored: localStorage.getItem(DEVICE_KEY) });
    if (deviceStore.getState().providers) return;
    let live = true;
    api.call('app.doctor', {}).then(
      (r) => live && deviceStore.dispatch({ type: 'probed', onnxruntime: r.onnxruntime }),
      () => undefined, // the choice still works; it only cannot say what is available
    );
    return () => {
      live = false;
    };
  }, [api]);
  const options = deviceOptions(state);
  const current = options.find((o) => o.value === state.device);
  return (
    <label className="device-select muted small" title={current?.reason ?? 'Where training, generation and export run. Auto takes a GPU when ONNX Runtime can drive one here, else the CPU.'}>
      <span className="device-select__label">Run networks on</span>
      <select
        className="input"
        value={state.device}
        data-testid="device-select"
        onChange={(e) => {
          const device = e.target.value as Device;
          deviceStore.dispatch({ type: 'choose', device });
          localStorage.setItem(DEVICE_KEY, device);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={!o.available && o.value !== state.device} title={o.reason}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
