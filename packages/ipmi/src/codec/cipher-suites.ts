/** RMCP+ algorithm numbers (IPMI 2.0 tables 13-17..13-19) and the suites we implement. */
export const AUTH_ALG = { none: 0x00, hmacSha1: 0x01, hmacMd5: 0x02, hmacSha256: 0x03 } as const;
export const INTEGRITY_ALG = {
  none: 0x00,
  hmacSha1_96: 0x01,
  hmacMd5_128: 0x02,
  md5_128: 0x03,
  hmacSha256_128: 0x04,
} as const;
export const CONF_ALG = { none: 0x00, aesCbc128: 0x01 } as const;

export interface CipherSuite {
  id: number;
  auth: number;
  integrity: number;
  confidentiality: number;
  /** Node crypto hash name for RAKP and integrity. */
  hash: 'sha1' | 'sha256';
  /** Bytes of the RAKP4 ICV and of the per-packet AuthCode. */
  icvLength: number;
}

export const SUITE_3: CipherSuite = {
  id: 3,
  auth: AUTH_ALG.hmacSha1,
  integrity: INTEGRITY_ALG.hmacSha1_96,
  confidentiality: CONF_ALG.aesCbc128,
  hash: 'sha1',
  icvLength: 12,
};

export const SUITE_17: CipherSuite = {
  id: 17,
  auth: AUTH_ALG.hmacSha256,
  integrity: INTEGRITY_ALG.hmacSha256_128,
  confidentiality: CONF_ALG.aesCbc128,
  hash: 'sha256',
  icvLength: 16,
};

/** Strongest first. Suites 0-2 (no or weak crypto) are never offered nor accepted. */
export const SUPPORTED_SUITES: readonly CipherSuite[] = [SUITE_17, SUITE_3];

export function findSuite(auth: number, integrity: number, confidentiality: number): CipherSuite | undefined {
  return SUPPORTED_SUITES.find(
    (s) => s.auth === auth && s.integrity === integrity && s.confidentiality === confidentiality,
  );
}

/** Get Channel Cipher Suites record data: C0 id, 00|auth, 40|integrity, 80|conf per suite. */
export function cipherSuiteRecords(suites: readonly CipherSuite[] = SUPPORTED_SUITES): Buffer {
  return Buffer.from(suites.flatMap((s) => [0xc0, s.id, s.auth, 0x40 | s.integrity, 0x80 | s.confidentiality]));
}
