/**
 * `given` over `defaults`, skipping keys whose value is undefined (a spread would let them erase a default).
 * Servers take their defaults from their parsed config section this way, so each default is written once.
 */
export function withDefaults<T extends object>(defaults: T, given: { [K in keyof T]?: T[K] | undefined }): T {
  const out = { ...defaults };
  for (const key of Object.keys(given) as (keyof T)[]) {
    const v = given[key];
    if (v !== undefined && key in defaults) out[key] = v as T[keyof T];
  }
  return out;
}
