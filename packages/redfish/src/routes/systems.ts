import { type BootOverride, MEDIA_SLOTS, type MediaSlot, type Node, type PowerAction } from '@bmc-emu/core';
import { decodeAction } from '../codec/action.js';
import { biosResource, biosSettingsResource, secureBootResource } from '../codec/firmware.js';
import * as inv from '../codec/inventory.js';
import { mediaCollection, mediaResource, TRANSFER_PROTOCOLS } from '../codec/media.js';
import type { FieldSpec } from '../codec/patch.js';
import { OVERRIDE_TARGETS, RESET_TYPES, type ResetType, systemResource } from '../codec/system.js';
import { collection, uri } from '../codec/uris.js';
import type { RedfishDeps } from '../deps.js';
import { httpError, RedfishHttpError } from '../http-error.js';
import type { Ctx, Json, Reply, RouteDef } from '../route.js';
import { replyOrTask } from '../tasks.js';
import { redfishActor } from './actor.js';

function actionOrThrow(action: string, params: Parameters<typeof decodeAction>[1], body: unknown) {
  const r = decodeAction(action, params, body);
  if (!r.ok) throw new RedfishHttpError(400, r.errors);
  return r.value;
}

/** Redfish ResetType -> driver action, given the current power state (undefined = nothing to do). */
export function powerActionFor(rt: ResetType, state: Node['powerState']): PowerAction | undefined {
  const on = state === 'On' || state === 'PoweringOn';
  switch (rt) {
    case 'On':
    case 'ForceOn':
      return 'On';
    case 'PushPowerButton':
      return on ? 'GracefulShutdown' : 'On';
    case 'PowerCycle':
      return on ? 'PowerCycle' : 'On';
    default:
      return rt;
  }
}

const bootSpec: Record<string, FieldSpec> = {
  Boot: {
    kind: 'object',
    fields: {
      BootSourceOverrideTarget: { kind: 'enum', values: OVERRIDE_TARGETS },
      BootSourceOverrideEnabled: { kind: 'enum', values: ['Disabled', 'Once', 'Continuous'] },
      BootSourceOverrideMode: { kind: 'enum', values: ['UEFI', 'Legacy'] },
      HttpBootUri: { kind: 'string', maxLength: 2048, pattern: /^(https?:\/\/\S+)?$/ },
    },
  },
};

function mediaRoutes(base: (id: string) => string, d: RedfishDeps): RouteDef[] {
  const slotOf = (c: Ctx): MediaSlot => {
    const s = c.params.slot as MediaSlot;
    if (!MEDIA_SLOTS.includes(s)) throw httpError(404, 'ResourceMissingAtURI', [c.req.path.slice(0, 200)]);
    return s;
  };
  const find = async (c: Ctx) => {
    const n = await c.node();
    return n.media.find((m) => m.slot === c.params.slot);
  };
  const prefix = base('{id}');
  const insert = async (c: Ctx, image: string): Promise<Reply> => {
    const n = await c.node();
    d.telemetry.note(n.id, 'media', redfishActor(c));
    return d.media.insert(n.id, slotOf(c), image);
  };
  return [
    { path: prefix, get: async (c) => mediaCollection(await c.node(), base((await c.node()).id)) },
    {
      path: `${prefix}/{slot}`,
      get: async (c) => {
        const m = await find(c);
        return m ? mediaResource(m, base((await c.node()).id)) : undefined;
      },
      patch: {
        privilege: 'ConfigureComponents',
        spec: () => ({
          Image: { kind: 'string', maxLength: 4096 },
          Inserted: { kind: 'boolean' },
          WriteProtected: { kind: 'boolean' },
          TransferProtocolType: { kind: 'enum', values: TRANSFER_PROTOCOLS },
          TransferMethod: { kind: 'enum', values: ['Stream'] },
        }),
        apply: async (c, v) => {
          const n = await c.node();
          const slot = slotOf(c);
          if (v.Inserted === false || v.Image === '') {
            d.telemetry.note(n.id, 'media', redfishActor(c));
            await d.driver.ejectMedia(n.id, slot);
            return undefined;
          }
          if (typeof v.Image === 'string') {
            const r = await insert(c, v.Image);
            return r.status === 202 ? r : undefined;
          }
          return undefined;
        },
      },
    },
    {
      path: `${prefix}/{slot}/Actions/VirtualMedia.InsertMedia`,
      post: {
        privilege: 'ConfigureComponents',
        handler: async (c, body) => {
          slotOf(c);
          const v = actionOrThrow(
            'VirtualMedia.InsertMedia',
            {
              Image: { kind: 'string', required: true, maxLength: 4096 },
              Inserted: { kind: 'boolean' },
              WriteProtected: { kind: 'boolean' },
              TransferProtocolType: { kind: 'enum', values: TRANSFER_PROTOCOLS },
              TransferMethod: { kind: 'enum', values: ['Stream'] },
              MediaType: { kind: 'string', maxLength: 32 },
              UserName: { kind: 'string', maxLength: 256 },
              Password: { kind: 'string', maxLength: 256 },
            },
            body,
          );
          if (v.Inserted === false) return { status: 204 };
          return insert(c, v.Image as string);
        },
      },
    },
    {
      path: `${prefix}/{slot}/Actions/VirtualMedia.EjectMedia`,
      post: {
        privilege: 'ConfigureComponents',
        handler: async (c, body) => {
          actionOrThrow('VirtualMedia.EjectMedia', {}, body ?? {});
          const n = await c.node();
          d.telemetry.note(n.id, 'media', redfishActor(c));
          await d.driver.ejectMedia(n.id, slotOf(c));
          return { status: 204 };
        },
      },
    },
  ];
}

export function systemRoutes(d: RedfishDeps): RouteDef[] {
  const S = '/redfish/v1/Systems/{id}';
  const sub = <T extends Json | undefined>(f: (n: Node, key: string) => T, key = 'sub') => {
    return async (c: Ctx) => f(await c.node(), c.params[key] ?? '');
  };
  return [
    {
      path: uri.systems,
      get: async () =>
        collection(
          'ComputerSystemCollection',
          'Computer System Collection',
          uri.systems,
          (await d.driver.list()).map((n) => uri.system(n.id)),
        ),
    },
    {
      path: S,
      get: async (c) => systemResource(await c.node()),
      patch: {
        privilege: 'ConfigureComponents',
        spec: () => bootSpec,
        apply: async (c, v) => {
          const n = await c.node();
          const b = v.Boot as Record<string, string>;
          const patch: Partial<BootOverride> = {};
          if (b.BootSourceOverrideTarget !== undefined)
            patch.target = b.BootSourceOverrideTarget as BootOverride['target'];
          if (b.BootSourceOverrideEnabled !== undefined)
            patch.enabled = b.BootSourceOverrideEnabled as BootOverride['enabled'];
          if (b.BootSourceOverrideMode !== undefined) patch.mode = b.BootSourceOverrideMode as BootOverride['mode'];
          if (b.HttpBootUri !== undefined) patch.httpBootUri = b.HttpBootUri;
          if (
            patch.target !== undefined &&
            patch.target !== 'None' &&
            patch.enabled === undefined &&
            n.boot.enabled === 'Disabled'
          ) {
            patch.enabled = 'Once';
          }
          d.telemetry.note(n.id, 'boot', redfishActor(c));
          await d.driver.setBootOverride(n.id, patch);
          return undefined;
        },
      },
    },
    {
      path: `${S}/Actions/ComputerSystem.Reset`,
      post: {
        privilege: 'ConfigureComponents',
        handler: async (c, body) => {
          const v = actionOrThrow(
            'ComputerSystem.Reset',
            { ResetType: { kind: 'enum', values: RESET_TYPES, required: true } },
            body,
          );
          const n = await c.node();
          const rt = v.ResetType as ResetType;
          const work = (async (): Promise<Reply> => {
            await d.media.settled(n.id);
            const cur = await d.driver.get(n.id);
            const action = powerActionFor(rt, cur.powerState);
            if (action) d.telemetry.note(n.id, 'power', redfishActor(c), action);
            if (action) await d.driver.power(n.id, action);
            return { status: 204 };
          })();
          return replyOrTask(d.tasks, `Reset ${rt} ${n.name}`, work, d.media.hasPending(n.id) ? 0 : d.powerWaitMs);
        },
      },
    },
    { path: `${S}/Processors`, get: sub(inv.processorCollection) },
    { path: `${S}/Processors/{sub}`, get: sub(inv.processorResource) },
    { path: `${S}/Memory`, get: sub(inv.memoryCollection) },
    { path: `${S}/Memory/{sub}`, get: sub(inv.memoryResource) },
    { path: `${S}/EthernetInterfaces`, get: sub(inv.nicCollection) },
    { path: `${S}/EthernetInterfaces/{sub}`, get: sub(inv.nicResource) },
    { path: `${S}/SimpleStorage`, get: sub(inv.simpleStorageCollection) },
    { path: `${S}/SimpleStorage/{sub}`, get: sub(inv.simpleStorageResource) },
    { path: `${S}/Storage`, get: sub(inv.storageCollection) },
    { path: `${S}/Storage/{sub}`, get: sub(inv.storageResource) },
    { path: `${S}/Storage/1/Drives/{sub}`, get: sub(inv.driveResource) },
    { path: `${S}/Storage/1/Volumes`, get: sub(inv.volumeCollection) },
    { path: `${S}/Storage/1/Volumes/{sub}`, get: sub(inv.volumeResource) },
    { path: `${S}/Bios`, get: sub(biosResource) },
    {
      path: `${S}/Bios/Settings`,
      get: sub(biosSettingsResource),
      patch: {
        privilege: 'ConfigureComponents',
        spec: (_c, current) => ({
          Attributes: {
            kind: 'object',
            fields: Object.fromEntries(
              Object.keys((current.Attributes as Json) ?? {}).map((k) => [k, { kind: 'scalar' }]),
            ),
          },
        }),
        apply: async (c, v) => {
          await d.driver.setBiosPending((await c.node()).id, v.Attributes as Record<string, string | number | boolean>);
          return undefined;
        },
      },
    },
    {
      path: `${S}/Bios/Actions/Bios.ResetBios`,
      post: {
        privilege: 'ConfigureComponents',
        handler: async (c, body) => {
          actionOrThrow('Bios.ResetBios', {}, body ?? {});
          await d.driver.resetBios((await c.node()).id);
          return { status: 204 };
        },
      },
    },
    {
      path: `${S}/SecureBoot`,
      get: sub(secureBootResource),
      patch: {
        privilege: 'ConfigureComponents',
        spec: () => ({ SecureBootEnable: { kind: 'boolean' } }),
        apply: async (c, v) => {
          await d.driver.setSecureBoot((await c.node()).id, v.SecureBootEnable as boolean);
          return undefined;
        },
      },
    },
    {
      path: `${S}/SecureBoot/Actions/SecureBoot.ResetKeys`,
      post: {
        privilege: 'ConfigureComponents',
        handler: async (c, body) => {
          const v = actionOrThrow(
            'SecureBoot.ResetKeys',
            {
              ResetKeysType: {
                kind: 'enum',
                values: ['ResetAllKeysToDefault', 'DeleteAllKeys', 'DeletePK'],
                required: true,
              },
            },
            body,
          );
          // Without a platform key the firmware is in setup mode: secure boot cannot be enforced.
          if (v.ResetKeysType !== 'ResetAllKeysToDefault') await d.driver.setSecureBoot((await c.node()).id, false);
          return { status: 204 };
        },
      },
    },
    ...mediaRoutes(uri.systemMedia, d),
    ...mediaRoutes(uri.managerMedia, d),
  ];
}
