/** AccountService, ManagerAccount and Role documents. Pure. */
import { link, uri } from './uris.js';

export interface AccountView {
  id: string;
  userName: string;
  role: string;
  enabled: boolean;
  locked: boolean;
}

export function accountServiceDocument(): Record<string, unknown> {
  return {
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
  };
}

export function accountResource(a: AccountView): Record<string, unknown> {
  return {
    '@odata.type': '#ManagerAccount.v1_10_0.ManagerAccount',
    '@odata.id': `${uri.accounts}/${a.id}`,
    Id: a.id,
    Name: 'User Account',
    UserName: a.userName,
    RoleId: a.role,
    Enabled: a.enabled,
    Locked: a.locked,
    // the schema's Password is write-only: a GET shows null
    Password: null,
    AccountTypes: ['Redfish'],
    Links: { Role: link(`${uri.roles}/${a.role}`) },
  };
}

export function roleResource(role: string, privileges: readonly string[]): Record<string, unknown> {
  return {
    '@odata.type': '#Role.v1_3_1.Role',
    '@odata.id': `${uri.roles}/${role}`,
    Id: role,
    Name: role,
    RoleId: role,
    IsPredefined: true,
    AssignedPrivileges: privileges,
  };
}
