import { ROLE_PRIVILEGES, ROLES, type Role } from '../accounts.js';
import { decodeAction } from '../codec/action.js';
import { EventFilterError, type FilterExpr, parseEventFilter } from '../codec/event-filter.js';
import {
  BASE_REGISTRY_ID,
  baseRegistryDocument,
  RESOURCE_EVENT_REGISTRY_ID,
  resourceEventRegistryDocument,
} from '../codec/messages.js';
import type { PatchSpec } from '../codec/patch.js';
import { odataDocument, serviceRoot, versionDocument } from '../codec/service.js';
import { collection, link, uri } from '../codec/uris.js';
import type { RedfishDeps } from '../deps.js';
import { httpError, RedfishHttpError } from '../http-error.js';
import type { Ctx, Json, RouteDef } from '../route.js';
import type { Session } from '../sessions.js';
import { replyOrTask, taskResource } from '../tasks.js';

function sessionResource(s: Session): Json {
  return {
    '@odata.type': '#Session.v1_6_0.Session',
    '@odata.id': `${uri.sessions}/${s.id}`,
    Id: s.id,
    Name: 'User Session',
    UserName: s.userName,
    CreatedTime: s.created.toISOString(),
    SessionType: 'Redfish',
  };
}

function isAdmin(c: Ctx): boolean {
  return c.principal?.account.role === 'Administrator';
}

function body(b: unknown, action: string, params: Parameters<typeof decodeAction>[1]) {
  const r = decodeAction(action, params, b);
  if (!r.ok) throw new RedfishHttpError(400, r.errors);
  return r.value;
}

export function serviceRoutes(d: RedfishDeps): RouteDef[] {
  const accountResource = (id: string): Json | undefined => {
    const a = d.accounts.get(id);
    if (!a) return undefined;
    return {
      '@odata.type': '#ManagerAccount.v1_10_0.ManagerAccount',
      '@odata.id': `${uri.accounts}/${a.id}`,
      Id: a.id,
      Name: 'User Account',
      UserName: a.userName,
      RoleId: a.role,
      Enabled: a.enabled,
      Locked: a.locked,
      Password: null,
      AccountTypes: ['Redfish'],
      Links: { Role: link(`${uri.roles}/${a.role}`) },
    };
  };
  const selfOrUsers = (c: Ctx) => (c.principal?.account.id === c.params.aid ? 'ConfigureSelf' : 'ConfigureUsers');
  return [
    { path: '/redfish', open: true, get: async () => versionDocument() },
    { path: uri.root, open: true, get: async () => serviceRoot(d.serviceUuid) },
    { path: '/redfish/v1/odata', open: true, get: async () => odataDocument() },
    {
      path: uri.sessionService,
      get: async () => ({
        '@odata.type': '#SessionService.v1_1_9.SessionService',
        '@odata.id': uri.sessionService,
        Id: 'SessionService',
        Name: 'Session Service',
        ServiceEnabled: true,
        SessionTimeout: d.sessions.timeoutSec,
        Status: { State: 'Enabled', Health: 'OK' },
        Sessions: link(uri.sessions),
      }),
    },
    {
      path: uri.sessions,
      get: async (c) =>
        collection(
          'SessionCollection',
          'Session Collection',
          uri.sessions,
          d.sessions
            .list()
            .filter((s) => isAdmin(c) || s.accountId === c.principal?.account.id)
            .map((s) => `${uri.sessions}/${s.id}`),
        ),
      post: {
        open: true,
        handler: async (_c, b) => {
          const v = body(b, 'Session.Create', {
            UserName: { kind: 'string', required: true, maxLength: 64 },
            Password: { kind: 'string', required: true, maxLength: 256 },
          });
          const a = d.accounts.verify(v.UserName as string, v.Password as string);
          if (!a) throw httpError(401, 'NoValidSession', [], 'Wrong user name or password.');
          const s = d.sessions.create(a.id, a.userName);
          const location = `${uri.sessions}/${s.id}`;
          return { status: 201, body: sessionResource(s), headers: { 'X-Auth-Token': s.token, Location: location } };
        },
      },
    },
    {
      path: `${uri.sessions}/{sid}`,
      get: async (c) => {
        const s = d.sessions.get(c.params.sid ?? '');
        if (!s || (!isAdmin(c) && s.accountId !== c.principal?.account.id)) return undefined;
        return sessionResource(s);
      },
      delete: {
        handler: async (c) => {
          const s = d.sessions.get(c.params.sid ?? '');
          if (!s || (!isAdmin(c) && s.accountId !== c.principal?.account.id)) {
            throw httpError(404, 'ResourceNotFound', ['Session', c.params.sid ?? '']);
          }
          d.sessions.remove(s.id);
          return { status: 204 };
        },
      },
    },
    {
      path: uri.accountService,
      get: async () => ({
        '@odata.type': '#AccountService.v1_13_0.AccountService',
        '@odata.id': uri.accountService,
        Id: 'AccountService',
        Name: 'Account Service',
        ServiceEnabled: true,
        MinPasswordLength: 1,
        MaxPasswordLength: 256,
        AccountLockoutThreshold: 0,
        AuthFailureLoggingThreshold: 3,
        Accounts: link(uri.accounts),
        Roles: link(uri.roles),
      }),
    },
    {
      path: uri.accounts,
      get: async () =>
        collection(
          'ManagerAccountCollection',
          'Accounts',
          uri.accounts,
          d.accounts.list().map((a) => `${uri.accounts}/${a.id}`),
        ),
      post: {
        privilege: 'ConfigureUsers',
        handler: async (_c, b) => {
          const v = body(b, 'ManagerAccount.Create', {
            UserName: { kind: 'string', required: true, maxLength: 64 },
            Password: { kind: 'string', required: true, maxLength: 256 },
            RoleId: { kind: 'enum', values: ROLES, required: true },
            Enabled: { kind: 'boolean' },
          });
          const name = v.UserName as string;
          if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw httpError(400, 'PropertyValueNotInList', [name, 'UserName']);
          if (d.accounts.byName(name))
            throw httpError(409, 'ResourceAlreadyExists', ['ManagerAccount', 'UserName', name]);
          const a = d.accounts.create(name, v.Password as string, v.RoleId as Role);
          if (v.Enabled === false) d.accounts.update(a.id, { enabled: false });
          return { status: 201, body: accountResource(a.id), headers: { Location: `${uri.accounts}/${a.id}` } };
        },
      },
    },
    {
      path: `${uri.accounts}/{aid}`,
      getPrivilege: 'Login',
      get: async (c) => {
        if (!isAdmin(c) && c.principal?.account.id !== c.params.aid) throw httpError(403, 'InsufficientPrivilege');
        return accountResource(c.params.aid ?? '');
      },
      patch: {
        privilege: selfOrUsers,
        spec: (c): PatchSpec =>
          isAdmin(c)
            ? {
                UserName: { kind: 'string', maxLength: 64, pattern: /^[A-Za-z0-9._-]{1,64}$/ },
                Password: { kind: 'string', maxLength: 256 },
                RoleId: { kind: 'enum', values: ROLES },
                Enabled: { kind: 'boolean' },
              }
            : { Password: { kind: 'string', maxLength: 256 } },
        apply: async (c, v) => {
          const id = c.params.aid ?? '';
          d.accounts.update(id, {
            ...(v.UserName !== undefined ? { userName: v.UserName as string } : {}),
            ...(v.Password !== undefined ? { password: v.Password as string } : {}),
            ...(v.RoleId !== undefined ? { role: v.RoleId as Role } : {}),
            ...(v.Enabled !== undefined ? { enabled: v.Enabled as boolean } : {}),
          });
          if (v.Password !== undefined || v.Enabled === false) d.sessions.removeForAccount(id);
          return undefined;
        },
      },
      delete: {
        privilege: 'ConfigureUsers',
        handler: async (c) => {
          const id = c.params.aid ?? '';
          if (!d.accounts.get(id)) throw httpError(404, 'ResourceNotFound', ['ManagerAccount', id]);
          if (c.principal?.account.id === id)
            throw httpError(409, 'ResourceCannotBeDeleted', [], 'An account cannot delete itself.');
          d.accounts.remove(id);
          d.sessions.removeForAccount(id);
          return { status: 204 };
        },
      },
    },
    {
      path: uri.roles,
      get: async () =>
        collection(
          'RoleCollection',
          'Roles',
          uri.roles,
          ROLES.map((r) => `${uri.roles}/${r}`),
        ),
    },
    {
      path: `${uri.roles}/{rid}`,
      get: async (c) => {
        const r = c.params.rid as Role;
        if (!ROLES.includes(r)) return undefined;
        return {
          '@odata.type': '#Role.v1_3_1.Role',
          '@odata.id': `${uri.roles}/${r}`,
          Id: r,
          Name: r,
          RoleId: r,
          IsPredefined: true,
          AssignedPrivileges: ROLE_PRIVILEGES[r],
        };
      },
    },
    {
      path: uri.registries,
      get: async () =>
        collection('MessageRegistryFileCollection', 'Registries', uri.registries, [
          `${uri.registries}/Base`,
          `${uri.registries}/ResourceEvent`,
        ]),
    },
    {
      path: `${uri.registries}/Base`,
      get: async () => ({
        '@odata.type': '#MessageRegistryFile.v1_1_3.MessageRegistryFile',
        '@odata.id': `${uri.registries}/Base`,
        Id: 'Base',
        Name: 'Base Message Registry File',
        Registry: BASE_REGISTRY_ID,
        Languages: ['en'],
        Location: [{ Language: 'en', Uri: `${uri.registries}/Base/Base.json` }],
      }),
    },
    { path: `${uri.registries}/Base/Base.json`, get: async () => baseRegistryDocument() },
    {
      path: `${uri.registries}/ResourceEvent`,
      get: async () => ({
        '@odata.type': '#MessageRegistryFile.v1_1_3.MessageRegistryFile',
        '@odata.id': `${uri.registries}/ResourceEvent`,
        Id: 'ResourceEvent',
        Name: 'Resource Event Message Registry File',
        Registry: RESOURCE_EVENT_REGISTRY_ID,
        Languages: ['en'],
        Location: [{ Language: 'en', Uri: `${uri.registries}/ResourceEvent/ResourceEvent.json` }],
      }),
    },
    {
      path: `${uri.registries}/ResourceEvent/ResourceEvent.json`,
      get: async () => resourceEventRegistryDocument(),
    },
    {
      path: uri.jsonSchemas,
      get: async () => collection('JsonSchemaFileCollection', 'JSON Schemas', uri.jsonSchemas, []),
    },
    {
      path: uri.taskService,
      get: async () => ({
        '@odata.type': '#TaskService.v1_2_0.TaskService',
        '@odata.id': uri.taskService,
        Id: 'TaskService',
        Name: 'Task Service',
        ServiceEnabled: true,
        CompletedTaskOverWritePolicy: 'Oldest',
        DateTime: new Date().toISOString(),
        Status: { State: 'Enabled', Health: 'OK' },
        Tasks: link(uri.tasks),
      }),
    },
    {
      path: uri.tasks,
      get: async () =>
        collection(
          'TaskCollection',
          'Tasks',
          uri.tasks,
          d.tasks.list().map((t) => `${uri.tasks}/${t.id}`),
        ),
    },
    {
      path: `${uri.tasks}/{tid}`,
      get: async (c) => {
        const t = d.tasks.get(c.params.tid ?? '');
        return t ? taskResource(t) : undefined;
      },
    },
    {
      path: '/redfish/v1/TaskService/TaskMonitors/{tid}',
      raw: async (c) => {
        const t = d.tasks.get(c.params.tid ?? '');
        if (!t) return undefined;
        if (t.state === 'Running') {
          return {
            status: 202,
            body: taskResource(t),
            headers: { Location: uri.taskMonitor(t.id), 'Retry-After': '1' },
          };
        }
        return t.result ?? { status: 204 };
      },
    },
    {
      path: uri.eventService,
      get: async () => ({
        '@odata.type': '#EventService.v1_10_0.EventService',
        '@odata.id': uri.eventService,
        Id: 'EventService',
        Name: 'Event Service',
        ServiceEnabled: true,
        DeliveryRetryAttempts: 0,
        DeliveryRetryIntervalSeconds: 5,
        EventFormatTypes: ['Event'],
        EventTypesForSubscription: ['Alert'],
        RegistryPrefixes: ['ResourceEvent', 'Base'],
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
      }),
    },
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
          const v = body(b, 'EventDestination.Create', {
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
          const knownPrefixes = ['ResourceEvent', 'Base'];
          for (const p of (v.RegistryPrefixes as string[] | undefined) ?? []) {
            if (!knownPrefixes.includes(p)) throw httpError(400, 'PropertyValueNotInList', [p, 'RegistryPrefixes']);
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
    {
      path: uri.updateService,
      get: async () => ({
        '@odata.type': '#UpdateService.v1_11_0.UpdateService',
        '@odata.id': uri.updateService,
        Id: 'UpdateService',
        Name: 'Update Service',
        ServiceEnabled: true,
        HttpPushUri: null,
        Status: { State: 'Enabled', Health: 'OK' },
        Actions: {
          '#UpdateService.SimpleUpdate': {
            target: `${uri.updateService}/Actions/UpdateService.SimpleUpdate`,
            'TransferProtocol@Redfish.AllowableValues': ['HTTP', 'HTTPS'],
          },
        },
      }),
    },
    {
      path: `${uri.updateService}/Actions/UpdateService.SimpleUpdate`,
      post: {
        privilege: 'ConfigureManager',
        handler: async (_c, b) => {
          const v = body(b, 'UpdateService.SimpleUpdate', {
            ImageURI: { kind: 'string', required: true, maxLength: 4096 },
            TransferProtocol: { kind: 'enum', values: ['HTTP', 'HTTPS'] },
            Targets: { kind: 'stringArray' },
          });
          const cache = d.cache;
          if (!cache)
            throw httpError(400, 'ActionNotSupported', ['UpdateService.SimpleUpdate'], 'No image cache configured.');
          const url = v.ImageURI as string;
          if (!/^https?:\/\//.test(url))
            throw httpError(400, 'ActionParameterValueNotInList', [url, 'ImageURI', 'UpdateService.SimpleUpdate']);
          const work = cache.fetch(url).then(() => ({ status: 204 }));
          return replyOrTask(d.tasks, `SimpleUpdate ${url}`, work, 0);
        },
      },
    },
  ];
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

function subscriptionResource(s: {
  id: string;
  sse?: boolean;
  destination: string;
  context: string;
  protocol: string;
  eventTypes: string[];
  registryPrefixes: string[];
  messageIds: string[];
  resourceTypes: string[];
  originResources: string[];
  subordinateResources: boolean;
}): Json {
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
