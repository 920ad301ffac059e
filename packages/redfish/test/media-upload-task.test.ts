/** InsertMedia on a node whose driver copies the image to its host: the copy's progress is the Task's. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaCache } from '@bmc-emu/boot-http';
import {
  demoNodes,
  errors,
  type MediaInsertOptions,
  type MediaSlot,
  type MediaSource,
  MemoryDriver,
  sharedSettings,
  silentLogger,
} from '@bmc-emu/core';
import { createRedfishApp, type RedfishApp, redfishSection } from '@bmc-emu/redfish';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN } from './app-harness.js';
import { type ImageServer, startImageServer } from './harness.js';

/** A memory driver that "uploads" each image to host hv-test in steps the test releases one by one. */
class UploadingDriver extends MemoryDriver {
  steps: Array<(fail?: Error) => void> = [];
  async uploadsMedia(): Promise<boolean> {
    return true;
  }
  override async insertMedia(id: string, slot: MediaSlot, source: MediaSource, opts?: MediaInsertOptions) {
    const total = 4000;
    for (const done of [0, 1000, 3000, total]) {
      opts?.onUpload?.({ host: 'hv-test', done, total });
      if (done === total) break;
      await new Promise<void>((resolve, reject) => this.steps.push((fail) => (fail ? reject(fail) : resolve())));
    }
    await super.insertMedia(id, slot, source);
  }
}

let open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open) await close();
  open = [];
});

async function setup(): Promise<{ app: RedfishApp; driver: UploadingDriver; images: ImageServer; vm: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bmcemu-rfupload-'));
  const driver = new UploadingDriver({ nodes: demoNodes(1), transitionMs: 30, mediaDir: join(dir, 'm') });
  const images = await startImageServer(dir);
  const app = createRedfishApp({
    driver,
    settings: redfishSection.parse({ tls: false, port: 0 }),
    shared: sharedSettings({ stateDir: join(dir, 'state') }),
    logger: silentLogger(),
    cache: new MediaCache({ dir: join(dir, 'cache'), maxBytes: 16 * 1024 * 1024, logger: silentLogger() }),
    insertWaitMs: 100,
  });
  open.push(async () => {
    app.shutdown();
    await images.close();
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  });
  const node = (await driver.list())[0]!;
  return { app, driver, images, vm: `/redfish/v1/Managers/${node.id}/VirtualMedia/Cd` };
}

const until = async (cond: () => boolean, what: string) => {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('InsertMedia task while the image is copied to a remote host', () => {
  it('PercentComplete rises through the copy (download 0-50, copy 50-99), then Completed at 100', async () => {
    const { app, driver, images, vm } = await setup();
    const r = await request(app)
      .post(`${vm}/Actions/VirtualMedia.InsertMedia`)
      .auth(...ADMIN)
      .send({ Image: `${images.url}/ipxe.iso` });
    expect(r.status).toBe(202);
    const task = () =>
      request(app)
        .get(`/redfish/v1/TaskService/Tasks/${r.body.Id as string}`)
        .auth(...ADMIN);
    await until(() => driver.steps.length === 1, 'the copy to start');
    const seen: number[] = [];
    const first = await task();
    expect(first.body).toMatchObject({ TaskState: 'Running', PercentComplete: 50 });
    expect(first.body.Oem.BmcEmu.Phase).toBe('Uploading to hv-test');
    seen.push(first.body.PercentComplete as number);
    for (const want of [62, 87, 99]) {
      driver.steps.shift()!();
      await until(() => driver.steps.length === 1 || want === 99, 'the next step');
      let t = await task();
      const deadline = Date.now() + 5_000;
      while ((t.body.PercentComplete as number) < want && t.body.TaskState === 'Running' && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 10));
        t = await task();
      }
      if (t.body.TaskState !== 'Running') break;
      expect(t.body.PercentComplete).toBe(want);
      seen.push(t.body.PercentComplete as number);
    }
    const deadline = Date.now() + 5_000;
    let done = await task();
    while (done.body.TaskState === 'Running' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 10));
      done = await task();
    }
    expect(done.body).toMatchObject({ TaskState: 'Completed', PercentComplete: 100, TaskStatus: 'OK' });
    expect(done.body.Oem).toBeUndefined();
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.length).toBeGreaterThanOrEqual(3);
    const media = await request(app)
      .get(vm)
      .auth(...ADMIN);
    expect(media.body).toMatchObject({ Inserted: true, Image: `${images.url}/ipxe.iso` });
  });

  it('a copy that fails ends the task in Exception with the message, and the slot stays empty', async () => {
    const { app, driver, images, vm } = await setup();
    const r = await request(app)
      .post(`${vm}/Actions/VirtualMedia.InsertMedia`)
      .auth(...ADMIN)
      .send({ Image: `${images.url}/ipxe.iso` });
    expect(r.status).toBe(202);
    await until(() => driver.steps.length === 1, 'the copy to start');
    driver.steps.shift()!();
    await until(() => driver.steps.length === 1, 'the copy to go on');
    driver.steps.shift()!(errors.media('Could not copy ipxe.iso into storage pool p on hv-test: No space left'));
    const deadline = Date.now() + 5_000;
    let t = await request(app)
      .get(`/redfish/v1/TaskService/Tasks/${r.body.Id as string}`)
      .auth(...ADMIN);
    while (t.body.TaskState === 'Running' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 10));
      t = await request(app)
        .get(`/redfish/v1/TaskService/Tasks/${r.body.Id as string}`)
        .auth(...ADMIN);
    }
    expect(t.body).toMatchObject({ TaskState: 'Exception', TaskStatus: 'Critical' });
    expect(t.body.PercentComplete).toBeLessThan(100);
    const messages = (t.body.Messages as Array<{ Message: string }>).map((m) => m.Message).join('\n');
    expect(messages).toContain('No space left');
    const monitor = await request(app)
      .get(r.headers.location as string)
      .auth(...ADMIN);
    expect(monitor.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(monitor.body)).toContain('No space left');
    const media = await request(app)
      .get(vm)
      .auth(...ADMIN);
    expect(media.body.Inserted).toBe(false);
  });
});
