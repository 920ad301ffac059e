/**
 * What `bmc-emu lab up|down` tells a running serve over the management API, and what serve keeps of it:
 * a lab's description (PUT /v1/labs/<name>) and its steps as they start, finish or fail
 * (POST /v1/labs/<name>/progress). One zod schema per body: anything else is a 400.
 */
import { z } from 'zod';

const text = (max = 1_024) => z.string().min(1).max(max);
/** A lab name as lab.yaml allows it (a DNS label). */
export const labName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a lab name is a DNS label: a-z, 0-9 and -, at most 63');

export const LAB_ROLES = ['bootstrap', 'master', 'arbiter', 'worker', 'extra'] as const;

export const labNodeReportSchema = z
  .object({
    /** Host name in install-config (`master-0`). */
    name: text(253),
    role: z.enum(LAB_ROLES),
    /** libvirt domain name: the node's name in the rack. */
    domain: text(253),
    /** libvirt domain UUID: the node's id in the rack and in its Redfish address. */
    uuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a UUID'),
    bootMac: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, 'a MAC like 52:54:00:12:34:56'),
    bmc: z.object({ kind: text(64), address: text(2_048) }).strict(),
  })
  .strict();

export const labNetworkReportSchema = z
  .object({
    /** libvirt network name (= bridge name). */
    name: text(64),
    purpose: z.enum(['baremetal', 'provisioning']),
    /** `nat` / `isolated` for baremetal; `Managed` / `Unmanaged` / `Disabled` for provisioning. */
    mode: text(32),
    cidrs: z.array(text(64)).max(4),
  })
  .strict();

export const labReportSchema = z
  .object({
    name: labName,
    /** The lab's state dir (absolute): where its lab-state.json lives. */
    stateDir: text(4_096).refine((p) => p.startsWith('/'), 'an absolute path'),
    mode: z.enum(['ipi', 'upi']),
    baseDomain: text(253),
    libvirtUri: text(2_048),
    apiVIPs: z.array(text(64)).max(4),
    ingressVIPs: z.array(text(64)).max(4),
    networks: z.array(labNetworkReportSchema).max(8),
    /** Absolute path of the install-config.yaml `up` wrote. */
    installConfig: text(4_096).optional(),
    /** What the user runs next (`openshift-baremetal-install --dir ... create cluster`). */
    nextCommand: text(4_096).optional(),
    nodes: z.array(labNodeReportSchema).max(1_000),
  })
  .strict();

export const labProgressSchema = z
  .object({
    /** One id per `up`/`down` invocation: a new one starts a new run. */
    runId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1-64 of A-Z a-z 0-9 _ -'),
    run: z.enum(['up', 'down']),
    /** 1..total for a step; 0 for the run as a whole. */
    index: z.number().int().min(0).max(10_000),
    total: z.number().int().min(0).max(10_000),
    step: text(1_024),
    state: z.enum(['start', 'done', 'failed']),
    error: text(4_096).optional(),
  })
  .strict()
  .refine((p) => p.index <= p.total, { message: 'index must be <= total', path: ['index'] });

export type LabNodeReport = z.infer<typeof labNodeReportSchema>;
export type LabNetworkReport = z.infer<typeof labNetworkReportSchema>;
export type LabReport = z.infer<typeof labReportSchema>;
export type LabProgress = z.infer<typeof labProgressSchema>;

export const labRunStepSchema = z.object({
  index: z.number().int().min(0),
  step: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  error: z.string().optional(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
});

/** The last `up` or `down` of a lab, as serve saw it. */
export const labRunSchema = z.object({
  runId: z.string(),
  run: z.enum(['up', 'down']),
  title: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  total: z.number().int().min(0),
  steps: z.array(labRunStepSchema),
  error: z.string().optional(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
});

export type LabRunStep = z.infer<typeof labRunStepSchema>;
export type LabRun = z.infer<typeof labRunSchema>;

/** What the lab's own state file says exists (undefined: no state file, so nothing `up` made is left). */
export interface LabBuilt {
  objects: number;
  pending: number;
  byKind: Record<string, number>;
}

/** A lab as serve knows it: the last description, the last run, and what its state file records now. */
export interface LabRecord {
  report: LabReport;
  updatedAt: number;
  lastRun?: LabRun;
  /** null: the lab has no state file (never built, or taken down). */
  built?: LabBuilt | null;
}

/** Where the management API says what was wrong with a body: `path: message; ...`. */
export function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
}
