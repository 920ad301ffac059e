/** EventService and EventDestination documents. Pure. */
import type { SubscriptionFilter } from './event-filter.js';
import { link, uri } from './uris.js';

/** The registry prefixes a subscription may name (the registries this service serves). */
export const EVENT_REGISTRY_PREFIXES = ['ResourceEvent', 'Base'];

/** A subscription as its EventDestination shows it: where it goes, and the filter properties that narrow it. */
export interface SubscriptionView extends SubscriptionFilter {
  id: string;
  sse?: boolean;
  destination: string;
  context: string;
  protocol: string;
}

export function eventServiceDocument(): Record<string, unknown> {
  return {
    '@odata.type': '#EventService.v1_10_0.EventService',
    '@odata.id': uri.eventService,
    Id: 'EventService',
    Name: 'Event Service',
    ServiceEnabled: true,
    DeliveryRetryAttempts: 0,
    DeliveryRetryIntervalSeconds: 5,
    EventFormatTypes: ['Event'],
    EventTypesForSubscription: ['Alert'],
    RegistryPrefixes: EVENT_REGISTRY_PREFIXES,
    ServerSentEventUri: uri.sse,
    SSEFilterPropertiesSupported: {
      EventFormatType: true,
      EventType: true,
      MessageId: true,
      OriginResource: true,
      RegistryPrefix: true,
      ResourceType: true,
      SubordinateResources: false,
    },
    Status: { State: 'Enabled', Health: 'OK' },
    Subscriptions: link(uri.subscriptions),
  };
}

export function subscriptionResource(s: SubscriptionView): Record<string, unknown> {
  return {
    '@odata.type': '#EventDestination.v1_13_0.EventDestination',
    '@odata.id': `${uri.subscriptions}/${s.id}`,
    Id: s.id,
    Name: `Subscription ${s.id}`,
    ...(s.sse ? {} : { Destination: s.destination }),
    Context: s.context,
    Protocol: s.protocol,
    SubscriptionType: s.sse ? 'SSE' : 'RedfishEvent',
    EventFormatType: 'Event',
    EventTypes: s.eventTypes,
    RegistryPrefixes: s.registryPrefixes,
    MessageIds: s.messageIds,
    ResourceTypes: s.resourceTypes,
    OriginResources: s.originResources.map((o) => ({ '@odata.id': o })),
    SubordinateResources: s.subordinateResources,
  };
}

/** Whether an Accept header admits text/event-stream (no header admits anything). */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) return false;
    return type === 'text/event-stream' || type === 'text/*' || type === '*/*';
  });
}
