import { useState } from 'preact/hooks';
import type { NodeView, PowerState } from './types';

export function PowerBadge({ state }: { state: PowerState }) {
  const cls = state === 'On' ? 'on' : state === 'Off' ? 'off' : 'moving';
  return <span class={`badge power-${cls}`}>{state}</span>;
}

export function bootText(b: NodeView['boot']): string {
  if (b.enabled === 'Disabled') return `none (${b.mode})`;
  return `${b.target} ${b.enabled === 'Once' ? 'once' : 'persistent'} (${b.mode})`;
}

export function mediaText(n: NodeView): string {
  const inserted = n.media.filter((m) => m.inserted);
  return inserted.length ? inserted.map((m) => `${m.slot}: ${m.image ?? '?'}`).join(', ') : 'none';
}

/** An address with a button that copies it (the clipboard needs a secure page: TLS, or localhost). */
export function Copyable({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone(true);
      setTimeout(() => setDone(false), 1500);
    } catch {
      setDone(false);
    }
  };
  return (
    <span class="copyable">
      <code>{text}</code>
      <button type="button" class="small" onClick={copy} aria-label={`Copy ${label}`}>
        {done ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}
