import { type Config, createLogger, EventBus, type FrontEnd, type Logger } from '@bmc-emu/core';
import { wireConsole } from './console-wiring.js';
import { createDriver } from './driver-factory.js';
import { bridgeDriverEvents } from './driver-events.js';
import { frontEndsWith } from './frontends.js';

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
  const bus = new EventBus();
  const unbridge = bridgeDriverEvents(driver, bus);
  const consoleWiring = wireConsole(config, driver, bus, log);
  try {
    for (const factory of frontEndsWith(consoleWiring.mounts)) {
      const fe = factory({ config, driver, logger: log.child({ frontEnd: 'pending' }) });
      if (!fe) continue;
      const where = await fe.start();
      started.push(fe);
      lines.push(...where);
    }
    await consoleWiring.ready();
  } catch (err) {
    for (const fe of started.reverse()) await fe.stop().catch(() => undefined);
    unbridge();
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
        unbridge();
        await driver.close();
      })();
      return stopping;
    },
  };
}
