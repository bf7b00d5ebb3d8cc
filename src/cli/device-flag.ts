import { DEVICES, type Device } from '../shared/contract';
import { flagString, UsageError, type ParsedArgs } from './command';

/** Usage text of the --device flag, shared by every command that runs a network. */
export const DEVICE_USAGE = `[--device ${DEVICES.join('|')}]`;

/**
 * The --device flag: where networks run. Default 'cpu'; 'auto' takes a GPU when ONNX
 * Runtime can drive one here (`facial-studio doctor` says which), else the CPU.
 */
export function deviceFlag(args: ParsedArgs): Device {
  if (args.flags.device === true) throw new UsageError(`--device expects one of ${DEVICES.join(', ')}, got no value`);
  const device = flagString(args, 'device') ?? 'cpu';
  if (!(DEVICES as readonly string[]).includes(device)) throw new UsageError(`--device expects one of ${DEVICES.join(', ')}, got "${device}"`);
  return device as Device;
}
