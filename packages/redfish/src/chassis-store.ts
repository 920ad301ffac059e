/** The chassis indicator LED per node: BMC state, not node state, kept in a small JSON file when asked. */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@bmc-emu/core';
import type { ChassisState } from './codec/service.js';

const LEDS = ['Lit', 'Blinking', 'Off'] as const;

export class ChassisStore {
  private readonly leds = new Map<string, ChassisState>();
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly file?: string) {
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
    const file = this.file;
    if (!file) return;
    const data = JSON.stringify(Object.fromEntries(this.leds));
    this.saving = this.saving.then(() => writeFileAtomic(file, data)).catch(() => undefined);
  }

  flushed(): Promise<void> {
    return this.saving;
  }
}
