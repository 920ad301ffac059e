import { isBmcEmuError, type NodeDriver } from '@bmc-emu/core';
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

/**
 * The same driver, with every operation's duration and failure recorded. A Proxy keeps it one object
 * whatever optional methods the driver has, so front ends can't tell the difference.
 */
export function instrumentDriver<D extends NodeDriver>(driver: D, metrics: RackMetrics): D {
  return new Proxy(driver, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || !TIMED.has(prop as keyof NodeDriver)) {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      const op = String(prop);
      const fn = value as (...a: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const start = process.hrtime.bigint();
        try {
          const out = await fn.apply(target, args);
          metrics.observeDriver(op, Number(process.hrtime.bigint() - start) / 1e9);
          return out;
        } catch (err) {
          const code = isBmcEmuError(err) ? err.code : 'UNKNOWN';
          metrics.observeDriver(op, Number(process.hrtime.bigint() - start) / 1e9, code);
          throw err;
        }
      };
    },
  });
}
