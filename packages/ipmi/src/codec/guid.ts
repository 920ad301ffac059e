import { IpmiDecodeError } from './errors.js';

/**
 * A UUID as Get System GUID / Get Device GUID carry it: IPMI 2.0 section 20.8 sends the 16 bytes
 * least significant first, i.e. the RFC 4122 big-endian byte string reversed.
 */
export function guidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new IpmiDecodeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex').reverse();
}

export function uuidFromGuid(guid: Buffer): string {
  if (guid.length !== 16) throw new IpmiDecodeError('a GUID is 16 bytes');
  const b = Buffer.from(guid).reverse().toString('hex');
  return `${b.slice(0, 8)}-${b.slice(8, 12)}-${b.slice(12, 16)}-${b.slice(16, 20)}-${b.slice(20)}`;
}
