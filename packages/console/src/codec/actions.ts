/** The console API's request bodies: decoded and checked here, once, before anything reaches the driver. */
import {
  BOOT_ENABLED,
  BOOT_TARGETS,
  type BiosAttributes,
  type BootEnabled,
  type BootTarget,
  MEDIA_SLOTS,
  type MediaSlot,
  POWER_ACTIONS,
  type PowerAction,
} from '@bmc-emu/core';

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export interface BootRequest {
  target: BootTarget;
  enabled: BootEnabled;
}
export interface MediaInsertRequest {
  slot: MediaSlot;
  image: string;
}

const MAX_BIOS_KEYS = 64;
const BIOS_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_URL = 2048;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], name: string): Decoded<T> {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return { ok: true, value: v as T };
  return { ok: false, error: `${name} must be one of ${allowed.join(', ')}` };
}

export function decodePower(body: unknown): Decoded<PowerAction> {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object' };
  return oneOf(body.action, POWER_ACTIONS, 'action');
}

export function decodeBoot(body: unknown): Decoded<BootRequest> {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object' };
  const target = oneOf(body.target, BOOT_TARGETS, 'target');
  if (!target.ok) return target;
  const enabled = oneOf(body.enabled, BOOT_ENABLED, 'enabled');
  if (!enabled.ok) return enabled;
  return { ok: true, value: { target: target.value, enabled: enabled.value } };
}

export function decodeSlot(body: unknown): Decoded<MediaSlot> {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object' };
  return oneOf(body.slot, MEDIA_SLOTS, 'slot');
}

export function decodeMediaInsert(body: unknown): Decoded<MediaInsertRequest> {
  const slot = decodeSlot(body);
  if (!slot.ok) return slot;
  const image = (body as Record<string, unknown>).image;
  if (typeof image !== 'string' || image.length === 0 || image.length > MAX_URL) {
    return { ok: false, error: `image must be an http:// or https:// URL of at most ${MAX_URL} characters` };
  }
  let url: URL;
  try {
    url = new URL(image);
  } catch {
    return { ok: false, error: 'image is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: 'image must be an http:// or https:// URL' };
  }
  return { ok: true, value: { slot: slot.value, image } };
}

export function decodeBios(body: unknown): Decoded<BiosAttributes> {
  if (!isObject(body) || !isObject(body.attributes)) return { ok: false, error: 'attributes must be a JSON object' };
  const entries = Object.entries(body.attributes);
  if (entries.length === 0 || entries.length > MAX_BIOS_KEYS) {
    return { ok: false, error: `attributes must hold 1 to ${MAX_BIOS_KEYS} settings` };
  }
  const out: BiosAttributes = {};
  for (const [k, v] of entries) {
    if (!BIOS_KEY.test(k)) return { ok: false, error: `attribute name ${JSON.stringify(k.slice(0, 70))} is not valid` };
    if (
      typeof v === 'string' ? v.length > 256 : typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))
    )
      return {
        ok: false,
        error: `attribute ${k} must be a string (up to 256 characters), a finite number or a boolean`,
      };
    out[k] = v as string | number | boolean;
  }
  return { ok: true, value: out };
}

export function decodeLogin(body: unknown): Decoded<{ userName: string; password: string }> {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object' };
  const { userName, password } = body;
  if (typeof userName !== 'string' || typeof password !== 'string' || !userName || userName.length > 64)
    return { ok: false, error: 'userName and password are required strings' };
  if (password.length > 256) return { ok: false, error: 'password is too long' };
  return { ok: true, value: { userName, password } };
}
