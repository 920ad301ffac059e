import { type EventBus, isBmcEmuError, type NodeDriver } from '@bmc-emu/core';
import type { RackMetrics } from './rack-metrics.js';

/** The driver methods that do work worth timing (watch and close are not operations). */
const TIMED = new Set<keyof NodeDriver>([
  'list',
  'get',
  'power',
  'getBootOverride',
  'setBootOverride',
  'insertMedia',
  'ejectMedia',
  'getBios',
  'setBiosPending',
  'resetBios',
  'getSecureBoot',
  'setSecureBoot',
  'openConsole',
]);

export interface InstrumentOptions {
  /** Times every operation (`bmcemu_driver_operation_duration_seconds`). */
  metrics?: RackMetrics | undefined;
  /** Gets a `driver-error` event for every failed operation (what `bmcemu_driver_errors_total` counts). */
  events?: EventBus | undefined;
}

const MAX_MESSAGE = 500;

/**
 * The same driver, with every operation's duration and failure recorded. A Proxy keeps it one object
 * whatever optional methods the driver has, so front ends can't tell the difference.
 */
export function instrumentDriver<D extends NodeDriver>(driver: D, opts: InstrumentOptions): D {
  const { metrics, events } = opts;
  if (!metrics && !events) return driver;
  const wrapped = new Map<string, (...a: unknown[]) => Promise<unknown>>();
  return new Proxy(driver, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || !TIMED.has(prop as keyof NodeDriver)) {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      const op = String(prop);
      let fn = wrapped.get(op);
      if (fn) return fn;
      const inner = value as (...a: unknown[]) => Promise<unknown>;
      fn = async (...args: unknown[]) => {
        const start = process.hrtime.bigint();
        try {
          const out = await inner.apply(target, args);
          metrics?.observeDriver(op, Number(process.hrtime.bigint() - start) / 1e9);
          return out;
        } catch (err) {
          const code = isBmcEmuError(err) ? err.code : 'UNKNOWN';
          metrics?.observeDriver(op, Number(process.hrtime.bigint() - start) / 1e9, code);
          // every operation but list takes the node id first
          const node = op !== 'list' && typeof args[0] === 'string' ? args[0] : undefined;
          const message = String((err as Error)?.message ?? err).slice(0, MAX_MESSAGE);
          events?.publish({ kind: 'driver-error', ...(node ? { node } : {}), op, code, message });
          throw err;
        }
      };
      wrapped.set(op, fn);
      return fn;
    },
  });
}
