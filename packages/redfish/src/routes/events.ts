import { EventFilterError, type FilterExpr, parseEventFilter } from '../codec/event-filter.js';
import {
  acceptsEventStream,
  EVENT_REGISTRY_PREFIXES,
  eventServiceDocument,
  subscriptionResource,
} from '../codec/event-service.js';
import { collection, uri } from '../codec/uris.js';
import type { RedfishDeps } from '../deps.js';
import { httpError } from '../http-error.js';
import type { RouteDef } from '../route.js';
import { actionBody } from './action-body.js';

export function eventRoutes(d: RedfishDeps): RouteDef[] {
  return [
    { path: uri.eventService, get: async () => eventServiceDocument() },
    {
      path: uri.subscriptions,
      get: async () =>
        collection(
          'EventDestinationCollection',
          'Subscriptions',
          uri.subscriptions,
          d.events.list().map((s) => `${uri.subscriptions}/${s.id}`),
        ),
      post: {
        privilege: 'ConfigureManager',
        handler: async (_c, b) => {
          const v = actionBody(b, 'EventDestination.Create', {
            Destination: { kind: 'string', required: true, maxLength: 2048 },
            Context: { kind: 'string', maxLength: 256 },
            Protocol: { kind: 'enum', values: ['Redfish'] },
            EventTypes: { kind: 'stringArray' },
            RegistryPrefixes: { kind: 'stringArray' },
            ResourceTypes: { kind: 'stringArray' },
            MessageIds: { kind: 'stringArray' },
            OriginResources: { kind: 'linkArray' },
            SubordinateResources: { kind: 'boolean' },
            SubscriptionType: { kind: 'enum', values: ['RedfishEvent'] },
            EventFormatType: { kind: 'enum', values: ['Event'] },
          });
          if ((v.RegistryPrefixes as string[] | undefined)?.length && (v.MessageIds as string[] | undefined)?.length) {
            // DSP0266 13.3: RegistryPrefixes and MessageIds are mutually exclusive in one subscription.
            throw httpError(400, 'PropertyValueConflict', ['RegistryPrefixes', 'MessageIds']);
          }
          for (const p of (v.RegistryPrefixes as string[] | undefined) ?? []) {
            if (!EVENT_REGISTRY_PREFIXES.includes(p))
              throw httpError(400, 'PropertyValueNotInList', [p, 'RegistryPrefixes']);
          }
          let dest: URL;
          try {
            dest = new URL(v.Destination as string);
          } catch {
            throw httpError(400, 'PropertyValueNotInList', [String(v.Destination), 'Destination']);
          }
          if (dest.protocol !== 'http:' && dest.protocol !== 'https:') {
            throw httpError(400, 'PropertyValueNotInList', [String(v.Destination), 'Destination']);
          }
          const s = d.events.subscribe({
            destination: dest.href,
            context: (v.Context as string | undefined) ?? '',
            eventTypes: (v.EventTypes as string[] | undefined) ?? [],
            registryPrefixes: (v.RegistryPrefixes as string[] | undefined) ?? [],
            messageIds: (v.MessageIds as string[] | undefined) ?? [],
            resourceTypes: (v.ResourceTypes as string[] | undefined) ?? [],
            originResources: (v.OriginResources as string[] | undefined) ?? [],
            subordinateResources: (v.SubordinateResources as boolean | undefined) ?? false,
            protocol: 'Redfish',
          });
          return { status: 201, body: subscriptionResource(s), headers: { Location: `${uri.subscriptions}/${s.id}` } };
        },
      },
    },
    {
      path: `${uri.subscriptions}/{eid}`,
      get: async (c) => {
        const s = d.events.get(c.params.eid ?? '');
        return s ? subscriptionResource(s) : undefined;
      },
      delete: {
        privilege: 'ConfigureManager',
        handler: async (c) => {
          if (!d.events.remove(c.params.eid ?? ''))
            throw httpError(404, 'ResourceNotFound', ['EventDestination', c.params.eid ?? '']);
          return { status: 204 };
        },
      },
    },
    {
      path: uri.sse,
      raw: async (c) => {
        const raw = c.req.query.$filter;
        let filter: FilterExpr | undefined;
        if (raw !== undefined) {
          if (typeof raw !== 'string') throw httpError(400, 'QueryParameterValueFormatError', [String(raw), '$filter']);
          try {
            filter = parseEventFilter(raw);
          } catch (err) {
            if (!(err instanceof EventFilterError)) throw err;
            throw httpError(400, 'QueryParameterValueFormatError', [raw, '$filter'], err.message);
          }
        }
        if (!acceptsEventStream(c.req.headers.accept)) {
          throw httpError(
            406,
            'HeaderInvalid',
            [`Accept: ${String(c.req.headers.accept).slice(0, 64)}`],
            'The SSE stream is served as text/event-stream only.',
          );
        }
        c.res.statusCode = 200;
        c.res.setHeader('Content-Type', 'text/event-stream');
        c.res.setHeader('Cache-Control', 'no-cache');
        c.res.flushHeaders();
        c.res.write(': bmc-emu event stream\n\n');
        d.events.addStream(c.res, filter);
        return { status: -1 };
      },
    },
  ];
}
