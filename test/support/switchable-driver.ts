/**
 * A NodeDriver wrapper whose hypervisor can be taken down: 'down' refuses every call at once with
 * BMCEMU_DRIVER_UNAVAILABLE (a dead libvirtd), 'hang' never answers (a host gone from the network).
 * `calls` counts the calls that reached it, to prove that nobody asks a host known to be down.
 */
import { errors, type NodeDriver } from '@bmc-emu/core';

export type SwitchMode = 'up' | 'down' | 'hang';
export type SwitchableDriver = NodeDriver & { mode: SwitchMode; readonly calls: number };

export function switchable(inner: NodeDriver): SwitchableDriver {
  const state = { mode: 'up' as SwitchMode, calls: 0 };
  const handler: ProxyHandler<NodeDriver> = {
    get(target, prop, receiver) {
      if (prop === 'mode' || prop === 'calls') return state[prop];
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      // watch/close reach the inner driver directly (bound, so its own calls, e.g. close -> flush, skip the switch)
      if (prop === 'watch' || prop === 'close') return (v as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        state.calls++;
        if (state.mode === 'down')
          return Promise.reject(errors.driverUnavailable('libvirt (test)', 'connection refused'));
        if (state.mode === 'hang') return new Promise(() => undefined);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
    set(_t, prop, value) {
      if (prop === 'mode') state.mode = value as SwitchMode;
      return true;
    },
  };
  return new Proxy(inner, handler) as SwitchableDriver;
}
