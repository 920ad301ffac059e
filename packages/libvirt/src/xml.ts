import { errors } from '@bmc-emu/core';
import { Builder, parseStringPromise } from 'xml2js';

/**
 * An element as xml2js gives it with explicitArray + explicitCharkey: attributes under `$`, text
 * under `_`, every child name maps to an array of elements.
 */
export interface XmlEl {
  $?: Record<string, string>;
  _?: string;
  [child: string]: XmlEl[] | Record<string, string> | string | undefined;
}

/** Parse a document; returns the root element keyed by its name. */
export async function parseXml(xml: string): Promise<Record<string, XmlEl>> {
  return (await parseStringPromise(xml, { explicitArray: true, explicitCharkey: true })) as Record<string, XmlEl>;
}

/** The `<domain>` root of a domain XML document. */
export async function parseDomainXml(xml: string): Promise<XmlEl> {
  const doc = await parseXml(xml);
  const dom = doc.domain;
  if (!dom) throw errors.invalidArgument('not a libvirt domain XML document (no <domain> root)');
  return dom;
}

export function buildXml(el: XmlEl, rootName: string): string {
  return new Builder({
    headless: true,
    rootName,
    renderOpts: { pretty: true, indent: '  ', newline: '\n' },
  }).buildObject(el);
}

export function buildDomainXml(domain: XmlEl): string {
  return buildXml(domain, 'domain');
}

export function kids(el: XmlEl | undefined, name: string): XmlEl[] {
  const v = el?.[name];
  return Array.isArray(v) ? v : [];
}

export function child(el: XmlEl | undefined, name: string): XmlEl | undefined {
  return kids(el, name)[0];
}

/** The child, created empty when missing. */
export function ensureChild(el: XmlEl, name: string): XmlEl {
  const found = child(el, name);
  if (found) return found;
  const made: XmlEl = {};
  el[name] = [made];
  return made;
}

export function attr(el: XmlEl | undefined, name: string): string | undefined {
  return el?.$?.[name];
}

export function setAttr(el: XmlEl, name: string, value: string | undefined): void {
  if (value === undefined) {
    if (el.$) delete el.$[name];
    return;
  }
  el.$ = { ...(el.$ ?? {}), [name]: value };
}

export function text(el: XmlEl | undefined): string | undefined {
  const t = el?._;
  return typeof t === 'string' ? t.trim() : undefined;
}

export function childText(el: XmlEl | undefined, name: string): string | undefined {
  return text(child(el, name));
}

export function removeChildren(el: XmlEl, name: string): void {
  delete el[name];
}
