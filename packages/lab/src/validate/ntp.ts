import { isIP } from 'node:net';
import { arr, type Obj } from './obj.js';
import type { Violation } from './violation.js';

/**
 * `platform.baremetal.additionalNTPServers`: each an IP or a domain name (pkg/types/baremetal/validation/
 * platform.go ValidateNTPServers, validate.IP / validate.DomainName with a trailing dot accepted). The
 * installer checks them only when a provisioning network exists, and reports them at `platform.baremetal`;
 * we name the entry.
 */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isNtpServer(s: string): boolean {
  if (isIP(s) !== 0) return true;
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

export function checkNtpServers(bm: Obj, out: Violation[]): void {
  if (bm.additionalNTPServers === undefined || bm.provisioningNetwork === 'Disabled') return;
  const path = 'platform.baremetal.additionalNTPServers';
  if (!Array.isArray(bm.additionalNTPServers)) {
    out.push({ path, value: bm.additionalNTPServers, message: 'not a list', fix: 'write a list of IPs or host names' });
    return;
  }
  arr(bm.additionalNTPServers).forEach((s, i) => {
    if (typeof s !== 'string' || !isNtpServer(s)) {
      out.push({
        path: `${path}[${i}]`,
        value: s,
        message: 'NTP server is not a valid IP or domain name',
        fix: 'write an IP address or a lower-case host name such as 0.pool.ntp.org',
      });
    }
  });
}
