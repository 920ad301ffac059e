/**
 * A node's serial console as a WebSocket: bytes from `driver.openConsole(id)` go to the browser as binary
 * messages, what the browser sends goes to the console. A ReadOnly user watches but does not type.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger, NodeDriver } from '@bmc-emu/core';
import { WebSocket, WebSocketServer } from 'ws';

const MAX_MESSAGE = 64 * 1024;

export class SerialBridge {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE, perMessageDeflate: false });

  constructor(
    private readonly driver: NodeDriver,
    private readonly logger: Logger,
  ) {}

  /** Completes the handshake and bridges; `canType` false drops the browser's input. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, nodeId: string, canType: boolean): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.bridge(ws, nodeId, canType));
  }

  private async bridge(ws: WebSocket, nodeId: string, canType: boolean): Promise<void> {
    if (!this.driver.openConsole) {
      ws.close(1011, 'this driver has no serial console');
      return;
    }
    let serial: Duplex;
    try {
      serial = await this.driver.openConsole(nodeId);
    } catch (err) {
      ws.close(1011, String((err as Error).message ?? err).slice(0, 120));
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) {
      serial.destroy();
      return;
    }
    serial.on('data', (chunk: Buffer | string) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, { binary: true });
      // the browser is slow: stop reading the console until the socket drains
      if (ws.bufferedAmount > 1024 * 1024) {
        serial.pause();
        const wait = setInterval(() => {
          if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount < 64 * 1024) {
            clearInterval(wait);
            serial.resume();
          }
        }, 50);
      }
    });
    serial.on('error', (err) => {
      this.logger.debug({ node: nodeId, err: err.message }, 'serial console error');
      ws.close(1011, 'serial console error');
    });
    serial.on('close', () => ws.close(1000, 'console closed'));
    serial.on('end', () => ws.close(1000, 'console closed'));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!canType) return;
      serial.write(isBinary ? data : Buffer.from(data.toString('utf8')));
    });
    ws.on('close', () => serial.destroy());
    ws.on('error', () => serial.destroy());
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
