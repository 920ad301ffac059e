/** One broken rule: the field path as the installer names it, the bad value, what is wrong and the fix. */
export interface Violation {
  path: string;
  value: unknown;
  message: string;
  fix: string;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** `platform.baremetal.apiVIPs: "10.0.0.5": not in any machine network. Fix: ...` */
export function formatViolation(v: Violation): string {
  return `${v.path}: ${show(v.value)}: ${v.message}. Fix: ${v.fix}`;
}
