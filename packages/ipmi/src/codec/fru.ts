import { checksum } from './message.js';

export interface ProductInfo {
  manufacturer: string;
  productName: string;
  partNumber: string;
  version: string;
  serialNumber: string;
  assetTag: string;
}

/** 8-bit ASCII type/length field (0xC0 | len), at most 63 bytes. */
function field(text: string): Buffer {
  const b = Buffer.from(text.replace(/[^\x20-\x7e]/g, '?').slice(0, 63), 'latin1');
  return Buffer.concat([Buffer.from([0xc0 | b.length]), b]);
}

/** A FRU image (IPMI Platform Management FRU spec 1.0): common header + product info area. */
export function buildFru(p: ProductInfo): Buffer {
  const fields = Buffer.concat([
    field(p.manufacturer),
    field(p.productName),
    field(p.partNumber),
    field(p.version),
    field(p.serialNumber),
    field(p.assetTag),
    field(''), // FRU file id
    Buffer.from([0xc1]),
  ]);
  const bodyLen = 3 + fields.length + 1; // version, length, language ... checksum
  const areaLen = Math.ceil(bodyLen / 8) * 8;
  const area = Buffer.alloc(areaLen);
  area[0] = 0x01;
  area[1] = areaLen / 8;
  area[2] = 0x00; // English
  fields.copy(area, 3);
  area[areaLen - 1] = checksum(area, 0, areaLen - 1);
  const header = Buffer.from([0x01, 0, 0, 0, 1, 0, 0, 0]); // product area at offset 8
  header[7] = checksum(header, 0, 7);
  return Buffer.concat([header, area]);
}
