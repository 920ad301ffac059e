import { type Config, createLogger, type FrontEnd, type Logger, NameRegistry } from '@bmc-emu/core';
import { createDriver } from './driver-factory.js';
import { frontEnds } from './frontends.js';

export interface RunningServer {
  lines: string[];
  stop(): Promise<void>;
}

/** Start the driver and every enabled front end. Prints where it serves; stops cleanly. */
export async function startServer(config: Readonly<Config>, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? createLogger({ level: config.log.level, fd: 2 });
  const { driver, description } = await createDriver(config, log);
  const nodes = await driver.list();
  const lines = [`bmc-emu serving ${nodes.length} node(s) on the ${description}`];
  const started: FrontEnd[] = [];
  const names = new NameRegistry();
  try {
    for (const factory of frontEnds) {
      const fe = factory({ config, driver, names, logger: log.child({ frontEnd: 'pending' }) });
      if (!fe) continue;
      const where = await fe.start();
      started.push(fe);
      lines.push(...where);
    }
  } catch (err) {
    for (const fe of started.reverse()) await fe.stop().catch(() => undefined);
    await driver.close();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    lines,
    stop() {
      stopping ??= (async () => {
        for (const fe of [...started].reverse()) {
          await fe
            .stop()
            .catch((err: unknown) => log.warn({ err, frontEnd: fe.name }, 'front end did not stop cleanly'));
        }
        await driver.close();
      })();
      return stopping;
    },
  };
}
