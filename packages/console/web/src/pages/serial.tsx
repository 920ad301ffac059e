import '@xterm/xterm/css/xterm.css';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'preact/hooks';
import { hrefNode } from '../route';
import type { RackStore } from '../store';
import type { User } from '../types';

/** The node's serial console: xterm.js over a WebSocket to the driver's console. */
export function SerialPage({ store, id, user }: { store: RackStore; id: string; user: User }) {
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState('connecting');
  const name = store.nodes.get(id)?.name ?? id;
  useEffect(() => {
    const term = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontSize: 14,
      scrollback: 5000,
      disableStdin: !user.canAct,
      screenReaderMode: true,
      theme: { background: '#111418', foreground: '#e8e8e8' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current!);
    // Shift+Esc leaves the terminal (it takes every other key, Tab included, for the node)
    term.attachCustomKeyEventHandler((ev) => {
      if (ev.type === 'keydown' && ev.key === 'Escape' && ev.shiftKey) {
        term.blur();
        document.getElementById('serial-back')?.focus();
        return false;
      }
      return true;
    });
    fit.fit();
    const ws = new WebSocket(
      `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/console/api/nodes/${encodeURIComponent(id)}/serial`,
    );
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      setState('connected');
      term.focus();
    };
    ws.onmessage = (m) => term.write(new Uint8Array(m.data as ArrayBuffer));
    ws.onclose = (e) => setState(`closed${e.reason ? `: ${e.reason}` : ''}`);
    const input = term.onData((d) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(d);
    });
    const onResize = () => fit.fit();
    addEventListener('resize', onResize);
    return () => {
      removeEventListener('resize', onResize);
      input.dispose();
      ws.close();
      term.dispose();
    };
  }, [id, user.canAct]);
  return (
    <section aria-labelledby="serial-title" class="serial">
      <div class="page-head">
        <h1 id="serial-title">Serial console: {name}</h1>
        <span class="muted" role="status" data-testid="serial-state">
          {state}
          {!user.canAct ? ' (read-only)' : ''}
        </span>
        <a id="serial-back" href={hrefNode(id)}>
          Back to {name}
        </a>
      </div>
      <div class="terminal-box" ref={box} aria-label={`Serial console of ${name}`} />
      <p class="muted">Keys typed here go to the node; Shift+Esc leaves the terminal.</p>
    </section>
  );
}
