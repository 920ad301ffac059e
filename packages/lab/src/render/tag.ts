import { esc } from './xml-escape.js';

/** Namespace of the lab's tag inside every libvirt object's `<metadata>`. */
export const LAB_METADATA_NS = 'https://bmc-emu.dev/xmlns/lab/1';

/** What the tag records: which lab made the object (and, for domains, which host it is). */
export interface LabTag {
  lab: string;
  role?: string;
  host?: string;
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
  return { lab, ...(attr('role') ? { role: attr('role') } : {}), ...(attr('host') ? { host: attr('host') } : {}) };
}
