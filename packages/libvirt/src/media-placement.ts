import { parseLibvirtUri } from '@bmc-emu/core';

/** Where virtual media go on a hypervisor that cannot read bmc-emu's files (a remote host). */
export interface MediaPlacement {
  /** Storage pool the images are uploaded into. */
  pool: string;
  /** Its directory, when bmc-emu has to create the pool. */
  poolPath: string;
  upload: 'auto' | 'always' | 'never';
}

export const DEFAULT_MEDIA_POOL = 'bmc-emu-media';
export const DEFAULT_MEDIA_POOL_PATH = '/var/lib/libvirt/images/bmc-emu-media';

export function mediaPlacement(cfg: Partial<MediaPlacement> = {}): MediaPlacement {
  return {
    pool: cfg.pool ?? DEFAULT_MEDIA_POOL,
    poolPath: cfg.poolPath ?? DEFAULT_MEDIA_POOL_PATH,
    upload: cfg.upload ?? 'auto',
  };
}

/**
 * Whether images must be copied to the host before they can be attached: a URI that names a host
 * (qemu+ssh://hv2/system, qemu+tcp://10.0.0.3/system, qemu://hv2/system) reaches a libvirtd that does not
 * see this machine's files; qemu:///system and test:/// do. `upload` overrides the guess either way.
 */
export function uploadsMedia(uri: string, upload: MediaPlacement['upload']): boolean {
  if (upload !== 'auto') return upload === 'always';
  const parts = parseLibvirtUri(uri);
  if (!parts || parts.driver === 'test') return false;
  return parts.host !== '';
}

/** The pool volume of an image: named by its sha256, so each image is uploaded once per host. */
export function volumeName(sha256: string): string {
  return `bmcemu-${sha256}.img`;
}

const VOLUME = /^bmcemu-([0-9a-f]{64})\.img$/;

/** The sha256 of a volume bmc-emu uploaded, or undefined for any other volume (never touched). */
export function volumeSha(name: string): string | undefined {
  return VOLUME.exec(name)?.[1];
}
