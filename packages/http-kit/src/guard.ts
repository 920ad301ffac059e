import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAnswer, type Answer } from './answer.js';

export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export interface GuardOptions {
  /** Told about the crash (a logger call, usually). May itself throw: that is swallowed. */
  report(err: unknown, req: IncomingMessage): void;
  /** The front end's own 500 answer. */
  answer(err: unknown): Answer;
}

/**
 * The last guard on a request listener (what a framework's final handler does): whatever the handler's promise
 * does, nothing becomes an unhandled rejection; the client gets the front end's 500 or, when an answer was
 * already under way, a closed connection.
 */
export function guardListener(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  opts: GuardOptions,
): Listener {
  return (req, res) => {
    let running: Promise<void>;
    try {
      running = handler(req, res);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.catch((err: unknown) => {
      try {
        opts.report(err, req);
      } catch {
        // a reporter that throws must not take the service down either
      }
      try {
        sendAnswer(req, res, opts.answer(err));
      } catch {
        res.destroy();
      }
    });
  };
}
