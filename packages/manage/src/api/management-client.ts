import { BmcEmuError, ErrorCode } from '@bmc-emu/core';
import type { BmcRecord } from '../bmc-record.js';
import type { BmcPatch } from '../registry/operations.js';
import { RegistryStore } from '../registry/registry-store.js';
import type { RegistryFile } from '../registry/schema.js';
import { applyOperation } from './apply-operation.js';
import { readManagementToken } from './management-server.js';
import type { BmcManagement, Operation } from './operations-api.js';
import { managementPaths } from './paths.js';
import { socketJson } from './socket-request.js';

/** A registry operation may connect a hypervisor on the serve's side: far longer than a read, never unbounded. */
const OPERATION_TIMEOUT_MS = 60_000;

async function call(
  socketPath: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<RegistryFile> {
  const reply = await socketJson(socketPath, token, method, path, body, OPERATION_TIMEOUT_MS);
  if (reply.status === 200) return (reply.body ?? {}) as RegistryFile;
  const e = (reply.body as { error?: { code: string; message: string } } | undefined)?.error;
  throw new BmcEmuError(
    (e?.code ?? ErrorCode.Internal) as ErrorCode,
    e?.message ?? `the management API answered ${reply.status}`,
  );
}

/**
 * The verbs over two primitives, reading the registry and applying one operation: a running serve's socket
 * (live) and the registry file itself (offline) differ only there.
 */
function managementOver(
  mode: BmcManagement['mode'],
  list: () => Promise<RegistryFile>,
  op: (op: Operation) => Promise<RegistryFile>,
): BmcManagement {
  return {
    mode,
    list,
    add: (record: BmcRecord) => op({ op: 'add', record }),
    set: (node: string, patch: BmcPatch) => op({ op: 'set', node, patch }),
    delete: (node: string) => op({ op: 'delete', node }),
    start: (node: string) => op({ op: 'start', node }),
    stop: (node: string) => op({ op: 'stop', node }),
    close: async () => undefined,
  };
}

function liveManagement(socket: string, token: string): BmcManagement {
  return managementOver(
    'live',
    () => call(socket, token, 'GET', '/v1/bmcs'),
    (op) => call(socket, token, 'POST', '/v1/operations', op),
  );
}

function offlineManagement(store: RegistryStore): BmcManagement {
  return managementOver(
    'offline',
    () => store.read(),
    (op) => store.update((reg) => applyOperation(reg, op)),
  );
}

/**
 * Talk to the `serve` that owns `stateDir` when one runs (its changes apply at once), else edit the
 * registry file directly (applied at the next start).
 */
export async function connectManagement(stateDir: string): Promise<BmcManagement> {
  const paths = managementPaths(stateDir);
  let token: string | undefined;
  try {
    token = await readManagementToken(stateDir);
  } catch {
    token = undefined;
  }
  if (token) {
    const live = liveManagement(paths.socket, token);
    try {
      await live.list();
      return live;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw err;
    }
  }
  return offlineManagement(new RegistryStore(paths.registry));
}
