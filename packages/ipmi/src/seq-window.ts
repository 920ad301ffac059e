/**
 * The inbound sequence-number window of a session (IPMI 2.0 6.12.13): numbers up to 16 behind
 * and 15 ahead of the highest seen are accepted once each; everything else is a replay or out of
 * window and is dropped. Only authenticated packets may move the window.
 */
export class SequenceWindow {
  private highest: number | undefined;
  /** Bit i set: highest - i was seen (i in 0..31). */
  private seen = 0;

  constructor(
    private readonly behind = 16,
    private readonly ahead = 15,
  ) {}

  /** Start a fresh window whose first acceptable numbers are `first` .. `first + ahead`. */
  static startingAt(first: number): SequenceWindow {
    const w = new SequenceWindow();
    w.highest = (first - 1) >>> 0;
    w.seen = 1;
    return w;
  }

  /** Would `seq` be accepted? Does not change the window. */
  check(seq: number): boolean {
    if (this.highest === undefined) return true;
    const d = (seq - this.highest) | 0;
    if (d > 0) return d <= this.ahead;
    if (-d >= this.behind) return false;
    return (this.seen & (1 << -d)) === 0;
  }

  /** Record `seq` after the packet authenticated; returns false (and records nothing) if not acceptable. */
  accept(seq: number): boolean {
    if (!this.check(seq)) return false;
    if (this.highest === undefined) {
      this.highest = seq >>> 0;
      this.seen = 1;
      return true;
    }
    const d = (seq - this.highest) | 0;
    if (d > 0) {
      this.seen = d >= 32 ? 1 : ((this.seen << d) | 1) >>> 0;
      this.highest = seq >>> 0;
    } else {
      this.seen = (this.seen | (1 << -d)) >>> 0;
    }
    return true;
  }
}
