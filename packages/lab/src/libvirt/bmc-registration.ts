import { BmcEmuError, ErrorCode, isBmcEmuError } from '@bmc-emu/core';
import { type BmcManagement, type BmcPatch, type BmcRecord, connectManagement } from '@bmc-emu/manage';
import type { LabModel } from '../model.js';
import type { StateFile } from './state-file.js';

/**
 * The BMC each lab node needs in a running (or the next) `bmc-emu serve`: the IPMI endpoint and account
 * install-config.yaml and nodes.json name, whatever order that serve would give the ports in.
 */
export function labBmcRecords(m: LabModel): BmcRecord[] {
  return m.nodes.map((n) => ({
    node: n.domain,
    libvirtUri: n.hypervisor.uri,
    ipmi: { address: m.bmcHost, port: m.lab.bmc.ipmiBasePort + n.ordinal },
    user: n.bmc.username,
    password: n.bmc.password,
    active: true,
  }));
}

const comparable = (b: BmcRecord) =>
  JSON.stringify([b.node, b.libvirtUri, b.ipmi.address, b.ipmi.port, b.user, b.password, b.active]);

/** A patch that makes a record equal `to` (every field `to` has is set). */
function patchTo(to: BmcRecord): BmcPatch {
  return {
    libvirtUri: to.libvirtUri,
    user: to.user,
    password: to.password,
    active: to.active,
    ipmi: { address: to.ipmi.address, port: to.ipmi.port },
  };
}

/** The registry refuses IPMI-invalid accounts with its own key names: say which lab.yaml key to change. */
function labError(err: unknown, node: string): never {
  if (isBmcEmuError(err, ErrorCode.InvalidArgument)) {
    throw new BmcEmuError(
      ErrorCode.InvalidArgument,
      `${err.message} (lab BMC ${node}: IPMI user names are at most 16 bytes and passwords 20; ` +
        "shorten bmc.username/password, the role's bmc: or hosts.<name>.bmc)",
      { node },
    );
  }
  throw err;
}

export interface RegisterResult {
  mode: 'live' | 'offline';
  registry: string;
  added: string[];
  changed: string[];
  removed: string[];
}

async function withManagement<T>(dir: string, f: (mg: BmcManagement) => Promise<T>): Promise<T> {
  const mg = await connectManagement(dir);
  try {
    return await f(mg);
  } finally {
    await mg.close();
  }
}

/** Put a BMC the lab took over back as it was, or delete one the lab added (gone already: fine). */
async function release(mg: BmcManagement, b: { node: string; previous?: BmcRecord }): Promise<void> {
  try {
    await mg.delete(b.node);
  } catch (err) {
    if (!isBmcEmuError(err, ErrorCode.NodeNotFound)) throw err;
  }
  // re-added whole: a `set` sent as JSON could not clear a field the old record did not have
  if (b.previous) await mg.add(b.previous);
}

/**
 * `up`: add (or set) every lab node's BMC in the registry of the serve owning `serveStateDir`, live when it
 * runs, in its bmcs.json otherwise. Each is recorded in the state file before the call (per serve: a lab
 * registered with two serves is released from both); BMCs of nodes the lab no longer has are released. Run before the domains exist, so their ports are reserved when they appear.
 */
export async function registerBmcs(m: LabModel, serveStateDir: string, state: StateFile): Promise<RegisterResult> {
  return withManagement(serveStateDir, async (mg) => {
    const out: RegisterResult = { mode: mg.mode, registry: serveStateDir, added: [], changed: [], removed: [] };
    const wanted = labBmcRecords(m);
    for (const b of state.bmcs.filter((x) => !wanted.some((w) => w.node === x.node))) {
      await withManagement(b.serveStateDir, (other) => release(other, b));
      await state.forgetBmc(b);
      out.removed.push(b.node);
    }
    const current = await mg.list();
    for (const rec of wanted) {
      const mine = state.bmcs.find((x) => x.node === rec.node && x.serveStateDir === serveStateDir);
      const cur = current.bmcs.find((x) => x.node === rec.node);
      if (cur && comparable(cur) === comparable(rec)) {
        if (mine?.status === 'pending') await state.markBmc({ ...mine, status: 'done' });
        continue;
      }
      const previous = mine ? mine.previous : cur;
      const entry = { node: rec.node, serveStateDir, ...(previous ? { previous } : {}) };
      await state.markBmc({ ...entry, status: 'pending' });
      try {
        if (cur) await mg.set(rec.node, patchTo(rec));
        else await mg.add(rec);
      } catch (err) {
        // nothing changed in the registry: a BMC the lab did not have stays out of the state file
        if (!mine) await state.forgetBmc(entry);
        labError(err, rec.node);
      }
      await state.markBmc({ ...entry, status: 'done' });
      (cur ? out.changed : out.added).push(rec.node);
    }
    return out;
  });
}

/** `down`: release every BMC `up` registered (deleted, or the replaced one put back), nothing else. */
export async function unregisterBmcs(state: StateFile): Promise<string[]> {
  const done: string[] = [];
  for (const b of [...state.bmcs]) {
    await withManagement(b.serveStateDir, (mg) => release(mg, b));
    await state.forgetBmc(b);
    done.push(b.node);
  }
  return done;
}
