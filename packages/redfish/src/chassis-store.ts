/** The chassis indicator LED per node: BMC state, not node state, kept in a small JSON file when asked. */
import { readFileSync } from 'node:fs';
import { type Logger, StateFile } from '@bmc-emu/core';
import type { ChassisState } from './codec/service.js';

const LEDS = ['Lit', 'Blinking', 'Off'] as const;

export class ChassisStore {
  private readonly leds = new Map<string, ChassisState>();
  private readonly state: StateFile | undefined;

  constructor(file?: string, logger?: Logger) {
    this.state = file ? new StateFile({ path: file, what: 'chassis LEDs', ...(logger ? { logger } : {}) }) : undefined;
    if (!file) return;
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, ChassisState>;
      for (const [id, st] of Object.entries(saved)) if (LEDS.includes(st.indicatorLed)) this.leds.set(id, st);
    } catch {}
  }

  get(id: string): ChassisState {
    return this.leds.get(id) ?? { indicatorLed: 'Off' };
  }

  set(id: string, st: ChassisState): void {
    this.leds.set(id, st);
    this.state?.save(() => JSON.stringify(Object.fromEntries(this.leds)));
  }

  /** Resolves when every change so far is on disk (or its write failed and was logged). */
  async flush(): Promise<void> {
    await this.state?.flush();
  }
}
