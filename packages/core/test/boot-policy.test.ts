import { describe, expect, it } from 'vitest';
import { BootPolicy } from '../src/index.js';

const policy = new BootPolicy({ httpBaseUrl: 'http://172.30.0.1:8080', perMac: { '52:54:00:00:00:09': false } });
const mac = '52:54:00:00:00:01';

describe('boot policy', () => {
  it('BIOS gets undionly.kpxe over TFTP', () => {
    expect(policy.decide({ mac, arch: 0, isIpxe: false })).toEqual({ kind: 'tftp', file: 'undionly.kpxe' });
  });
  it('UEFI x64 gets snponly.efi', () => {
    expect(policy.decide({ mac, arch: 7, isIpxe: false })).toEqual({ kind: 'tftp', file: 'snponly.efi' });
    expect(policy.decide({ mac, arch: 9, isIpxe: false })).toEqual({ kind: 'tftp', file: 'snponly.efi' });
  });
  it('iPXE gets its HTTP script, never iPXE again', () => {
    expect(policy.decide({ mac, arch: 7, isIpxe: true })).toEqual({
      kind: 'http',
      url: 'http://172.30.0.1:8080/boot.ipxe',
      httpClient: false,
    });
  });
  it('UEFI HTTP boot gets a URL and HTTPClient', () => {
    const d = policy.decide({ mac, arch: 16, vendorClass: 'HTTPClient:Arch:00016', isIpxe: false });
    expect(d).toMatchObject({ kind: 'http', httpClient: true });
  });
  it('a node not meant to PXE gets nothing', () => {
    expect(policy.decide({ mac: '52:54:00:00:00:09', arch: 0, isIpxe: false })).toEqual({ kind: 'none' });
  });
});
