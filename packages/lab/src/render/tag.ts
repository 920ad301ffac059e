import { createHash } from 'node:crypto';
import { esc } from './xml-escape.js';

/** Namespace of the lab's tag inside every libvirt object's `<metadata>`. */
export const LAB_METADATA_NS = 'https://bmc-emu.dev/xmlns/lab/1';

/** What the tag records: which lab made the object (and, for domains, which host it is). */
export interface LabTag {
  lab: string;
  role?: string;
  host?: string;
  /** SHA-256 (first 16 hex digits) of the object's XML as rendered, so `plan` sees a changed lab.yaml. */
  hash?: string;
}

export function labTagXml(tag: LabTag, indent: string): string {
  const extra = [tag.role ? ` role="${esc(tag.role)}"` : '', tag.host ? ` host="${esc(tag.host)}"` : ''].join('');
  return [
    `${indent}<metadata>`,
    `${indent}  <lab:lab xmlns:lab="${LAB_METADATA_NS}" name="${esc(tag.lab)}"${extra}/>`,
    `${indent}</metadata>`,
  ].join('\n');
}

/** The lab name in an object's XML, when it carries our tag (any prefix libvirt chose to write it with). */
export function readLabTag(xml: string): LabTag | undefined {
  const ns = LAB_METADATA_NS.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`<(\\w+):lab\\s[^>]*xmlns:\\1=["']${ns}["'][^>]*>`).exec(xml);
  if (!m) return undefined;
  const attr = (n: string) => new RegExp(`\\s${n}=["']([^"']*)["']`).exec(m[0])?.[1];
  const lab = attr('name');
  if (lab === undefined) return undefined;
  const opt = (n: 'role' | 'host' | 'hash') => (attr(n) ? { [n]: attr(n) } : {});
  return { lab, ...opt('role'), ...opt('host'), ...opt('hash') };
}

/** Put the hash of `xml` into its lab tag (the hash covers the XML without it). */
export function stampHash(xml: string): string {
  const hash = createHash('sha256').update(xml).digest('hex').slice(0, 16);
  return xml.replace(/(<lab:lab xmlns:lab="[^"]+" name="[^"]*")/, `$1 hash="${hash}"`);
}

/** The `<metadata>` children of `current` other than our tag (bmc-emu's BMC state, other tools'), moved into `desired`. */
export function carryForeignMetadata(current: string, desired: string): string {
  const inner = /<metadata>([\s\S]*?)<\/metadata>/.exec(current)?.[1];
  if (!inner) return desired;
  const ns = LAB_METADATA_NS.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const foreign = inner
    .replace(new RegExp(`<(\\w+):lab\\s[^>]*xmlns:\\1=["']${ns}["'][^>]*?(/>|>[\\s\\S]*?</\\1:lab>)`), '')
    .trim();
  if (!foreign) return desired;
  return desired.replace(
    /(<metadata>[\s\S]*?)(\s*<\/metadata>)/,
    (_m, a: string, b: string) => `${a}\n    ${foreign}${b}`,
  );
}
