import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus, Logger } from '@bmc-emu/core';
import { guardListener, sendAnswer } from '@bmc-emu/http-kit';
import { buildDeps, type RedfishAppOptions } from './app/deps.js';
import { endStaleSessions } from './auth.js';
import { Dispatcher } from './app/dispatch.js';
import { ResourceReader } from './app/resources.js';
import { RouteTable } from './app/route-table.js';
import type { RedfishDeps } from './deps.js';
import { toRedfishError } from './http-error.js';
import { prepareRequest, type RedfishRequest, type RedfishResponse } from './http-request.js';
import { chassisSensorRoutes } from './routes/chassis-sensors.js';
import { managerLogRoutes } from './routes/manager-logs.js';
import { managerRoutes } from './routes/managers.js';
import { serviceRoutes } from './routes/services.js';
import { systemRoutes } from './routes/systems.js';

export type { RedfishAppOptions } from './app/deps.js';
export { describedByLink } from './app/odata.js';

/** A node `request` listener (give it to http(s).createServer or supertest) with the service's state beside it. */
export type RedfishApp = ((req: IncomingMessage, res: ServerResponse) => void) & {
  redfish: RedfishDeps;
  shutdown(): void;
};

const JSON_TYPE = 'application/json; charset=utf-8';

export function createRedfishApp(opts: RedfishAppOptions): RedfishApp {
  const { deps, releaseTelemetry } = buildDeps(opts);
  const table = new RouteTable(
    [
      ...serviceRoutes(deps),
      ...systemRoutes(deps),
      ...managerRoutes(deps),
      ...chassisSensorRoutes(deps),
      ...managerLogRoutes(deps),
    ],
    opts.router,
  );
  const dispatcher = new Dispatcher(deps, table, new ResourceReader(deps.driver, table, deps.directory));
  const unwatch = deps.driver.watch((e) => deps.events.publish(e));
  const unwatchSel = deps.telemetry.sel.onEntry((nodeId, entry) => deps.events.publishLogEntry(nodeId, entry));
  // a changed, stopped or deleted BMC's own account ends its sessions at once
  const unwatchBmcs = deps.directory?.onChange(() => endStaleSessions(deps));
  const app = guarded(deps.logger, (req, res) => answer(dispatcher, deps.logger, opts.bus, req, res)) as RedfishApp;
  app.redfish = deps;
  app.shutdown = () => {
    unwatch();
    unwatchSel();
    unwatchBmcs?.();
    void releaseTelemetry?.();
    deps.events.closeStreams();
  };
  return app;
}

/** One request: the service headers, the dispatch, every error turned into a Redfish error answer. */
async function answer(
  dispatcher: Dispatcher,
  logger: Logger,
  bus: EventBus | undefined,
  incoming: IncomingMessage,
  res: RedfishResponse,
) {
  const req = prepareRequest(incoming);
  const started = performance.now();
  res.setHeader('OData-Version', '4.0');
  res.setHeader('Cache-Control', 'no-cache');
  try {
    await dispatcher.dispatch(req, res);
  } catch (err) {
    const e = toRedfishError(err);
    if (e.status >= 500)
      logger.warn({ method: req.method, path: req.path, err: (err as Error)?.message }, 'redfish request failed');
    if (e.status === 401) e.headers['WWW-Authenticate'] = 'Basic realm="bmc-emu"';
    // the kit's answer closes the connection when the body was left unread (a 413, a 401 before reading it)
    if (!res.headersSent)
      sendAnswer(incoming, res, {
        status: e.status,
        contentType: JSON_TYPE,
        body: JSON.stringify(e.body),
        headers: e.headers,
      });
    else res.end();
  }
  if (bus) publishRequest(bus, req, res.statusCode, performance.now() - started);
  if (logger.isLevelEnabled('debug'))
    logger.debug(
      { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) },
      'redfish',
    );
}

function publishRequest(bus: EventBus, req: RedfishRequest, status: number, ms: number): void {
  bus.publish({
    kind: 'redfish',
    method: req.method ?? 'GET',
    path: req.path,
    status,
    ms: Math.round(ms * 1000) / 1000,
    ...(req.user !== undefined ? { user: req.user } : {}),
    ...(req.nodeId !== undefined ? { node: req.nodeId } : {}),
  });
}

/** The last guard: nothing a request does may become an unhandled rejection. */
function guarded(
  logger: Logger,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return guardListener(handle, {
    report: (err, req) =>
      logger.error({ method: req.method, url: req.url, err: (err as Error)?.message }, 'redfish request crashed'),
    answer: (err) => {
      const e = toRedfishError(err);
      return { status: e.status, contentType: JSON_TYPE, body: JSON.stringify(e.body) };
    },
  });
}
