import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mediaPlacement, uploadsMedia, volumeName, volumeSha } from '../src/media-placement.js';

describe('media placement: which hosts get images uploaded, and the volumes bmc-emu owns', () => {
  it('uploads for URIs that name a host, not for local sockets or the test driver', () => {
    for (const uri of [
      'qemu+ssh://root@hv2/system',
      'qemu+tcp://10.0.0.3/system',
      'qemu://hv2.lab/system',
      'qemu+libssh2://u@[fd00::2]:2222/system?sshauth=privkey',
    ]) {
      expect(uploadsMedia(uri, 'auto'), uri).toBe(true);
    }
    for (const uri of ['qemu:///system', 'qemu:///session', 'qemu+unix:///system', 'test:///default', 'not a uri']) {
      expect(uploadsMedia(uri, 'auto'), uri).toBe(false);
    }
  });

  it('always / never override the guess either way', () => {
    expect(uploadsMedia('qemu:///system', 'always')).toBe(true);
    expect(uploadsMedia('qemu+ssh://hv2/system', 'never')).toBe(false);
  });

  it('defaults: pool bmc-emu-media under /var/lib/libvirt/images, upload auto', () => {
    expect(mediaPlacement()).toEqual({
      pool: 'bmc-emu-media',
      poolPath: '/var/lib/libvirt/images/bmc-emu-media',
      upload: 'auto',
    });
    expect(mediaPlacement({ pool: 'isos' })).toMatchObject({ pool: 'isos', upload: 'auto' });
  });

  it('property: a volume name reads back to its sha256', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), (sha) => {
        expect(volumeSha(volumeName(sha))).toBe(sha);
      }),
    );
  });

  it('property: any other volume name is not ours (never collected)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 90 }), (name) => {
        const sha = volumeSha(name);
        if (sha !== undefined) expect(name).toBe(volumeName(sha));
      }),
    );
    expect(volumeSha('bmcemu-abc.img')).toBeUndefined();
    expect(volumeSha(`${volumeName('a'.repeat(64))}.bak`)).toBeUndefined();
    expect(volumeSha(`bmcemu-${'A'.repeat(64)}.img`)).toBeUndefined();
  });

  it('property: host-naming URIs upload under auto, hostless ones do not', () => {
    const host = fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/);
    const transport = fc.constantFrom('', '+ssh', '+tcp', '+tls', '+libssh');
    fc.assert(
      fc.property(host, transport, (h, t) => {
        expect(uploadsMedia(`qemu${t}://${h}/system`, 'auto')).toBe(true);
        expect(uploadsMedia(`qemu${t}:///system`, 'auto')).toBe(false);
      }),
    );
  });
});
