/**
 * The doctor on a live stream of metric records: what the Diagnosis panel,
 * the notification and the runs tree read. Findings are sticky — a failure
 * seen at step 400 stays on the panel (marked no longer active) after the
 * metrics recover, since that is when the user needs its evidence — and a
 * serious finding is announced once per detector, not on every record.
 *
 * Memory stays bounded on a run of any length: detectors look at the most
 * recent window and at early baselines, so the first HEAD records and the
 * last TAIL records are kept, nothing in between.
 */
import type { MetricRecord } from '../protocol/metrics';
import { diagnose, type DoctorContext, type Finding } from './detectors';

const HEAD = 2_000;
const TAIL = 8_000;

export interface LiveFinding extends Finding {
  /** Step of the record at which the detector first fired. */
  readonly firstStep: number;
  /** Whether the pattern is present in the latest records. */
  readonly active: boolean;
}

export interface DoctorUpdate {
  /** Every finding so far (sticky), most serious and most recent first. */
  readonly findings: LiveFinding[];
  /** Serious findings that appeared with this update: announce each once. */
  readonly announce: LiveFinding[];
}

const RANK = { serious: 0, warning: 1, info: 2 } as const;

export class LiveDoctor {
  private head: MetricRecord[] = [];
  private tail: MetricRecord[] = [];
  private readonly seen = new Map<string, LiveFinding>();

  constructor(private ctx: DoctorContext) {}

  /** The records the detectors see: the head, then the tail (never more than HEAD + TAIL). */
  get retained(): number {
    return this.head.length + this.tail.length;
  }

  /** Feed records (file order; steps already seen are ignored) and re-diagnose. */
  add(records: readonly MetricRecord[]): DoctorUpdate {
    const lastStep = this.lastStep();
    for (const r of records) {
      if (r.step <= (this.tail[this.tail.length - 1]?.step ?? this.head[this.head.length - 1]?.step ?? -1)) continue;
      if (this.head.length < HEAD) this.head.push(r);
      else this.tail.push(r);
    }
    if (this.tail.length > TAIL) this.tail = this.tail.slice(this.tail.length - TAIL);
    if (this.lastStep() === lastStep) return { findings: this.findings(), announce: [] };
    return this.rediagnose();
  }

  /** The run ended: a diverged run is evidence of its own (the trainer names the quantity). */
  ended(state: string, step: number, error?: string): DoctorUpdate {
    if (state === 'diverged') this.ctx = { ...this.ctx, ended: { state, step, error: error ?? '' } };
    return this.rediagnose();
  }

  findings(): LiveFinding[] {
    return [...this.seen.values()].sort((a, b) => Number(b.active) - Number(a.active) || RANK[a.severity] - RANK[b.severity] || b.firstStep - a.firstStep);
  }

  private lastStep(): number {
    return (this.tail[this.tail.length - 1] ?? this.head[this.head.length - 1])?.step ?? -1;
  }

  private rediagnose(): DoctorUpdate {
    const records = this.tail.length ? [...this.head, ...this.tail] : this.head;
    const now = records.length ? diagnose(records, this.ctx) : [];
    const active = new Set(now.map((f) => f.detector));
    const announce: LiveFinding[] = [];
    for (const f of now) {
      const before = this.seen.get(f.detector);
      const live: LiveFinding = { ...f, firstStep: before?.firstStep ?? f.evidence.toStep, active: true };
      this.seen.set(f.detector, live);
      if (!before && f.severity === 'serious') announce.push(live);
    }
    for (const [id, f] of this.seen) if (!active.has(id) && f.active) this.seen.set(id, { ...f, active: false });
    return { findings: this.findings(), announce };
  }
}
