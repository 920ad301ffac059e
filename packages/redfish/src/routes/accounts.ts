import { ROLE_PRIVILEGES, ROLES, type Role } from '../accounts.js';
import { accountResource, accountServiceDocument, roleResource } from '../codec/account-service.js';
import type { PatchSpec } from '../codec/patch.js';
import { collection, uri } from '../codec/uris.js';
import type { RedfishDeps } from '../deps.js';
import { httpError } from '../http-error.js';
import type { Ctx, Json, RouteDef } from '../route.js';
import { actionBody, isAdmin } from './action-body.js';

const USER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function accountRoutes(d: RedfishDeps): RouteDef[] {
  const account = (id: string): Json | undefined => {
    const a = d.accounts.get(id);
    return a ? accountResource(a) : undefined;
  };
  const selfOrUsers = (c: Ctx) => (c.principal?.account.id === c.params.aid ? 'ConfigureSelf' : 'ConfigureUsers');
  return [
    { path: uri.accountService, get: async () => accountServiceDocument() },
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
          const v = actionBody(b, 'ManagerAccount.Create', {
            UserName: { kind: 'string', required: true, maxLength: 64 },
            Password: { kind: 'string', required: true, maxLength: 256, secret: true },
            RoleId: { kind: 'enum', values: ROLES, required: true },
            Enabled: { kind: 'boolean' },
          });
          const name = v.UserName as string;
          if (!USER_NAME.test(name)) throw httpError(400, 'PropertyValueNotInList', [name, 'UserName']);
          if (d.accounts.byName(name))
            throw httpError(409, 'ResourceAlreadyExists', ['ManagerAccount', 'UserName', name]);
          const a = d.accounts.create(name, v.Password as string, v.RoleId as Role);
          if (v.Enabled === false) d.accounts.update(a.id, { enabled: false });
          return { status: 201, body: account(a.id), headers: { Location: `${uri.accounts}/${a.id}` } };
        },
      },
    },
    {
      path: `${uri.accounts}/{aid}`,
      getPrivilege: 'Login',
      get: async (c) => {
        if (!isAdmin(c) && c.principal?.account.id !== c.params.aid) throw httpError(403, 'InsufficientPrivilege');
        return account(c.params.aid ?? '');
      },
      patch: {
        privilege: selfOrUsers,
        spec: (c): PatchSpec =>
          isAdmin(c)
            ? {
                UserName: { kind: 'string', maxLength: 64, pattern: USER_NAME },
                Password: { kind: 'string', maxLength: 256, secret: true },
                RoleId: { kind: 'enum', values: ROLES },
                Enabled: { kind: 'boolean' },
              }
            : { Password: { kind: 'string', maxLength: 256, secret: true } },
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
        return ROLES.includes(r) ? roleResource(r, ROLE_PRIVILEGES[r]) : undefined;
      },
    },
  ];
}
