/** TaskService: long operations (slow media inserts, slow power actions, SimpleUpdate) as Redfish tasks. */
import { type ExtendedInfo, messageInfo } from './codec/messages.js';
import { uri } from './codec/uris.js';
import { toRedfishError } from './http-error.js';
import type { Reply } from './route.js';

export type TaskState = 'Running' | 'Completed' | 'Exception';

export interface Task {
  id: string;
  name: string;
  state: TaskState;
  percent: number;
  start: Date;
  end?: Date;
  messages: ExtendedInfo[];
  result?: Reply;
  /** What a running task is doing now (e.g. "Uploading to hv2"), shown as `Oem.BmcEmu.Phase`. */
  phase?: string;
}

const KEEP_FINISHED = 200;

export class TaskStore {
  private readonly tasks = new Map<string, Task>();
  private next = 1;

  constructor(private readonly onChange?: (t: Task) => void) {}

  /** Track `work` as a task; its Reply becomes what the task monitor answers when done. */
  start(name: string, work: Promise<Reply>): Task {
    const t: Task = {
      id: String(this.next++),
      name,
      state: 'Running',
      percent: 0,
      start: new Date(),
      messages: [],
    };
    t.messages.push(messageInfo('TaskStarted', [t.id]));
    this.tasks.set(t.id, t);
    this.prune();
    work.then(
      (reply) => {
        t.state = 'Completed';
        t.percent = 100;
        t.result = reply;
        t.messages.push(messageInfo('Success'));
        t.end = new Date();
        this.onChange?.(t);
      },
      (err: unknown) => {
        const e = toRedfishError(err);
        t.state = 'Exception';
        t.result = { status: e.status, body: e.body };
        t.messages.push(...e.body.error['@Message.ExtendedInfo']);
        t.end = new Date();
        this.onChange?.(t);
      },
    );
    return t;
  }

  get(id: string): Task | undefined {
    return this.tasks.get(id);
  }

  list(): Task[] {
    return [...this.tasks.values()];
  }

  /** Only a running task moves, and only forward (99 at most: 100 is Completed). */
  setProgress(t: Task, percent: number, phase?: string): void {
    if (t.state !== 'Running') return;
    t.percent = Math.max(t.percent, Math.min(99, Math.floor(percent)));
    if (phase !== undefined) t.phase = phase;
  }

  private prune(): void {
    if (this.tasks.size <= KEEP_FINISHED) return;
    for (const [id, t] of this.tasks) {
      if (t.state !== 'Running') this.tasks.delete(id);
      if (this.tasks.size <= KEEP_FINISHED) return;
    }
  }
}

export function taskResource(t: Task): Record<string, unknown> {
  return {
    '@odata.type': '#Task.v1_7_0.Task',
    '@odata.id': `${uri.tasks}/${t.id}`,
    Id: t.id,
    Name: t.name,
    TaskState: t.state,
    TaskStatus: t.state === 'Exception' ? 'Critical' : 'OK',
    PercentComplete: t.percent,
    StartTime: t.start.toISOString(),
    ...(t.end ? { EndTime: t.end.toISOString() } : {}),
    TaskMonitor: uri.taskMonitor(t.id),
    Messages: t.messages,
    ...(t.state === 'Running' && t.phase ? { Oem: { BmcEmu: { Phase: t.phase } } } : {}),
  };
}

/** The 202 that hands a client the task monitor. */
export function acceptedReply(t: Task, retryAfterSec = 2): Reply {
  return {
    status: 202,
    body: taskResource(t),
    headers: { Location: uri.taskMonitor(t.id), 'Retry-After': String(retryAfterSec) },
  };
}

/** Race `work` against `waitMs`: its own reply when quick, else 202 + task monitor. */
export async function replyOrTask(
  tasks: TaskStore,
  name: string,
  work: Promise<Reply>,
  waitMs: number,
  onTask?: (t: Task) => void,
): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((r) => {
    timer = setTimeout(() => r('slow'), waitMs);
  });
  try {
    const first = await Promise.race([work, slow]);
    if (first !== 'slow') return first;
  } finally {
    clearTimeout(timer);
  }
  const t = tasks.start(name, work);
  onTask?.(t);
  return acceptedReply(t);
}
