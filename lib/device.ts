/** Devices. Only 'cpu' exists today; CUDA tensors come with the CUDA backend. */
import { DeviceError } from './errors';

export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** Normalises a device name and checks that this build can place tensors there. */
export function checkDevice(op: string, d: unknown): Device {
  if (d === undefined || d === 'cpu') return 'cpu';
  if (typeof d === 'string' && /^cuda(:\d+)?$/.test(d)) {
    throw new DeviceError(op, `device '${d}' is not available: this build of tensorforge has no CUDA backend yet`);
  }
  throw new DeviceError(op, `unknown device ${JSON.stringify(d)}; expected 'cpu'`);
}
