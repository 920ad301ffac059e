/**
 * Every ErrorCode is mapped by every front end, the mapping functions use those tables, and docs/errors.md
 * says the same (the way fastify checks its error list against its docs).
 */
import { readFileSync } from 'node:fs';
import { BmcEmuError, ERROR_CODES, ErrorCode, errorTableGaps } from '@bmc-emu/core';
import { describe, expect, it } from 'vitest';
import { BOOT_HTTP_STATUS, bootHttpStatusFor } from '../packages/boot-http/src/error-status.js';
import { decodePacket as decodeDhcp } from '../packages/dhcp/src/codec/packet.js';
import { DHCP_ERROR_OUTCOMES, dhcpErrorOutcome } from '../packages/dhcp/src/error-outcome.js';
import { decodeRmcp } from '../packages/ipmi/src/codec/rmcp.js';
import { completionCodeFor, IPMI_COMPLETION_CODES } from '../packages/ipmi/src/completion-codes.js';
import { parseEventFilter } from '../packages/redfish/src/codec/event-filter.js';
import { REDFISH_ERRORS } from '../packages/redfish/src/error-table.js';
import { toRedfishError } from '../packages/redfish/src/http-error.js';
import { decodePacket as decodeTftp } from '../packages/tftp/src/codec/packet.js';
import { TFTP_ERROR_CODES, toTftpError } from '../packages/tftp/src/tftp-error.js';

const TABLES = {
  redfish: REDFISH_ERRORS,
  'boot-http': BOOT_HTTP_STATUS,
  ipmi: IPMI_COMPLETION_CODES,
  tftp: TFTP_ERROR_CODES,
  dhcp: DHCP_ERROR_OUTCOMES,
};

const failure = (code: ErrorCode) => new BmcEmuError(code, `why ${code} happened`, { id: 'node-0' });

describe('the error table', () => {
  for (const [frontEnd, table] of Object.entries(TABLES)) {
    it(`${frontEnd} maps every ErrorCode and nothing else`, () => {
      expect(errorTableGaps(table)).toEqual({ missing: [], unknown: [] });
      for (const code of ERROR_CODES) expect(table[code], `${frontEnd} ${code}`).toBeDefined();
    });
  }

  it('each front end answers through its table, with the reason where the protocol has room', () => {
    for (const code of ERROR_CODES) {
      const err = failure(code);
      const rf = toRedfishError(err);
      expect(rf.status, code).toBe(REDFISH_ERRORS[code].status);
      expect(rf.body.error['@Message.ExtendedInfo'][0]?.MessageId, code).toBe(
        `Base.1.16.0.${REDFISH_ERRORS[code].messageId}`,
      );
      expect(rf.body.error.message, code).toBe(err.message);
      expect(rf.headers['Retry-After'], code).toBe(rf.status === 503 ? '10' : undefined);
      expect(bootHttpStatusFor(code), code).toBe(BOOT_HTTP_STATUS[code]);
      expect(completionCodeFor(err), code).toBe(IPMI_COMPLETION_CODES[code]);
      const tftp = toTftpError(err);
      expect(tftp.code, code).toBe(TFTP_ERROR_CODES[code]);
      expect(tftp.message, code).toBe(tftp.code === 1 ? 'File not found' : err.message);
      expect(dhcpErrorOutcome(err), code).toBe(DHCP_ERROR_OUTCOMES[code]);
    }
  });

  it('settles the old splits: Unsupported 400/501, Timeout 504/504, MediaError 400/502 (see docs/errors.md)', () => {
    expect([REDFISH_ERRORS.BMCEMU_UNSUPPORTED.status, BOOT_HTTP_STATUS.BMCEMU_UNSUPPORTED]).toEqual([400, 501]);
    expect([REDFISH_ERRORS.BMCEMU_TIMEOUT.status, BOOT_HTTP_STATUS.BMCEMU_TIMEOUT]).toEqual([504, 504]);
    expect([REDFISH_ERRORS.BMCEMU_MEDIA_ERROR.status, BOOT_HTTP_STATUS.BMCEMU_MEDIA_ERROR]).toEqual([400, 502]);
  });

  it('an unknown code (a foreign BmcEmuError) falls back to the internal-error form', () => {
    const alien = new BmcEmuError('BMCEMU_FROM_THE_FUTURE' as ErrorCode, 'no idea');
    expect(toRedfishError(alien).status).toBe(500);
    expect(bootHttpStatusFor(alien.code)).toBe(500);
    expect(completionCodeFor(alien)).toBe(0xff);
    expect(toTftpError(alien).code).toBe(0);
    expect(dhcpErrorOutcome(alien).counter).toBe('internalErrors');
  });

  it('docs/errors.md lists every code with the same answers', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const rows = new Map(
      doc
        .split('\n')
        .filter((l) => l.startsWith('| `BMCEMU_'))
        .map((l) => {
          const cells = l
            .split('|')
            .slice(1, -1)
            .map((c) => c.trim());
          return [cells[0]!.replaceAll('`', ''), cells.slice(1)] as const;
        }),
    );
    expect([...rows.keys()].sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const [redfish, bootHttp, ipmi, tftp, dhcp] = rows.get(code)!;
      expect(redfish, code).toBe(`${REDFISH_ERRORS[code].status} ${REDFISH_ERRORS[code].messageId}`);
      expect(Number(bootHttp), code).toBe(BOOT_HTTP_STATUS[code]);
      expect(Number.parseInt(ipmi!.split(' ')[0]!, 16), code).toBe(IPMI_COMPLETION_CODES[code]);
      expect(Number(tftp!.split(' ')[0]), code).toBe(TFTP_ERROR_CODES[code]);
      expect(dhcp, code).toBe(`drop, ${DHCP_ERROR_OUTCOMES[code].counter}`);
    }
  });
});

describe('decode errors', () => {
  const thrown = (f: () => unknown): unknown => {
    try {
      f();
    } catch (err) {
      return err;
    }
    throw new Error('did not throw');
  };

  it('are all BmcEmuErrors with BMCEMU_INVALID_ARGUMENT, whatever the codec', () => {
    const cases = {
      DhcpDecodeError: thrown(() => decodeDhcp(new Uint8Array(10))),
      IpmiDecodeError: thrown(() => decodeRmcp(Buffer.alloc(1))),
      TftpDecodeError: thrown(() => decodeTftp(Buffer.from([0, 9]))),
      EventFilterError: thrown(() => parseEventFilter('(MessageId eq')),
    };
    for (const [name, err] of Object.entries(cases)) {
      expect(err, name).toBeInstanceOf(BmcEmuError);
      expect((err as BmcEmuError).name, name).toBe(name);
      expect((err as BmcEmuError).code, name).toBe(ErrorCode.InvalidArgument);
    }
    // a TFTP decode error still answers with its own ERROR code, not the table's
    expect(toTftpError(cases.TftpDecodeError)).toMatchObject({ code: 4 });
  });
});
