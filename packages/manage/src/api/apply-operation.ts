import { BmcEmuError, ErrorCode } from '@bmc-emu/core';
import { addBmc, deleteBmc, setActive, setBmc } from '../registry/operations.js';
import type { RegistryFile } from '../registry/schema.js';
import type { Operation } from './operations-api.js';

export function applyOperation(reg: RegistryFile, op: Operation): RegistryFile {
  switch (op.op) {
    case 'add':
      return addBmc(reg, op.record);
    case 'set':
      return setBmc(reg, op.node, op.patch);
    case 'delete':
      return deleteBmc(reg, op.node);
    case 'start':
      return setActive(reg, op.node, true);
    case 'stop':
      return setActive(reg, op.node, false);
    default:
      throw new BmcEmuError(
        ErrorCode.InvalidArgument,
        `unknown operation ${JSON.stringify((op as { op?: unknown }).op)}`,
      );
  }
}
