/** IPMI privilege levels. */
export const PRIV = { callback: 1, user: 2, operator: 3, admin: 4, oem: 5 } as const;
export type Privilege = 1 | 2 | 3 | 4 | 5;
