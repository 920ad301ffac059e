/**
 * Each front end maps every ErrorCode to its protocol's error form in one table typed `ErrorTable<...>`:
 * a code added to ErrorCode without an entry fails to compile, and the error-table test iterates
 * ERROR_CODES at run time (for tables built some other way, and for plain-JS users).
 */
import { ErrorCode } from './errors.js';

export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.values(ErrorCode));

export type ErrorTable<T> = Readonly<Record<ErrorCode, T>>;

/** What a table lacks (`missing`) or holds that is no ErrorCode (`unknown`); both empty when it covers ErrorCode exactly. */
export function errorTableGaps(table: object): { missing: ErrorCode[]; unknown: string[] } {
  const keys = Object.keys(table);
  return {
    missing: ERROR_CODES.filter((c) => !keys.includes(c)),
    unknown: keys.filter((k) => !(ERROR_CODES as readonly string[]).includes(k)),
  };
}
