/** Reading an install-config of any origin: every field may be missing or of the wrong type. */
export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `platform.baremetal`, when the document has one. */
export const baremetalOf = (doc: Obj): Obj | undefined => {
  const p = isObj(doc.platform) ? doc.platform : {};
  return isObj(p.baremetal) ? p.baremetal : undefined;
};
