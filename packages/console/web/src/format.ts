/** One line of text per event, for the timeline. */
import type { RackEvent } from './types';

const hex = (n: unknown) => `0x${Number(n).toString(16).padStart(2, '0')}`;

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function by(e: RackEvent): string {
  const a = e.by as { via?: string; user?: string } | undefined;
  if (!a?.via || a.via === 'driver') return '';
  return ` (by ${a.via}${a.user ? ` ${a.user}` : ''})`;
}

export function summary(e: RackEvent): string {
  switch (e.kind) {
    case 'power':
      return `power ${String(e.state)}${by(e)}`;
    case 'boot': {
      const b = e.boot as { target: string; enabled: string; mode: string };
      return b.enabled === 'Disabled'
        ? `boot override cleared (${b.mode})${by(e)}`
        : `boot override ${b.target} ${b.enabled === 'Once' ? 'once' : 'persistent'} (${b.mode})${by(e)}`;
    }
    case 'media':
      return e.inserted
        ? `${String(e.slot)} inserted ${String(e.image ?? '')}${by(e)}`
        : `${String(e.slot)} ejected${by(e)}`;
    case 'media-download': {
      if (e.error) return `download of ${String(e.url)} failed: ${String(e.error)}`;
      const total = e.total as number | undefined;
      const got = e.bytes as number;
      if (e.done) return `downloaded ${String(e.url)} (${bytes(got)})`;
      return `downloading ${String(e.url)}: ${bytes(got)}${total ? ` of ${bytes(total)}` : ''}`;
    }
    case 'node':
      return `node ${String(e.change)}`;
    case 'ipmi':
      return `IPMI netfn ${hex(e.netFn)} cmd ${hex(e.cmd)} -> cc ${hex(e.cc)}${e.user ? ` user ${String(e.user)}` : ''} (${String(e.session)})`;
    case 'redfish':
      return `${String(e.method)} ${String(e.path)} -> ${String(e.status)} in ${String(e.ms)} ms${e.user ? ` (${String(e.user)})` : ''}`;
    case 'dhcp':
      return `DHCP ${String(e.message)} ${String(e.mac)}${e.ip ? ` ${String(e.ip)}` : ''}${e.arch !== undefined ? ` arch ${String(e.arch)}` : ''}`;
    case 'tftp':
      return `TFTP ${String(e.file)} ${bytes(Number(e.bytes))} in ${String(e.ms)} ms to ${String(e.peer)}${e.error ? ` error: ${String(e.error)}` : ''}`;
    case 'http':
      return `HTTP ${String(e.path)} -> ${String(e.status)} ${bytes(Number(e.bytes))} in ${String(e.ms)} ms to ${String(e.peer)}`;
    case 'driver-error':
      return `driver ${String(e.op)} failed: ${String(e.code)} ${String(e.message)}`;
    case 'lab': {
      const where = Number(e.index) > 0 ? `[${String(e.index)}/${String(e.total)}] ${String(e.step)}` : String(e.step);
      return `lab ${String(e.lab)}: ${where} ${e.state === 'start' ? 'started' : String(e.state)}${e.detail ? `: ${String(e.detail)}` : ''}`;
    }
    case 'sel':
      return `SEL entry ${JSON.stringify(e.entry)}`;
    default:
      return e.kind;
  }
}

export function clock(ms: number): string {
  const d = new Date(ms);
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
