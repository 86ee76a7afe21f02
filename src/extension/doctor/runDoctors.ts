/**
 * The training doctor for every run the extension knows: one LiveDoctor per
 * run folder, fed by the run manager's live metrics (whether or not a
 * dashboard is open), primed from the folder the first time a run is asked
 * about (a run found at start-up, a reloaded window). What the Diagnosis
 * panel, the notification and the runs tree read.
 *
 * No `vscode` import: the extension subscribes to `onChange`.
 */
import * as path from 'node:path';
import { LiveDoctor, type LiveFinding } from '../../doctor/liveDoctor';
import { doctorContext } from '../../doctor/replay';
import type { FindingView } from '../../protocol/diagnosis';
import { RUN_FILES, type RunStatus } from '../../protocol/run';
import { readRunFolder } from '../../runfolder/read';
import { readMetricsQuick } from '../dashboard/metricsFile';
import { Emitter, type Event } from '../emitter';
import type { RunEvent } from '../runs/runManager';

export interface DoctorChange {
  readonly dir: string;
  readonly findings: readonly LiveFinding[];
  /** Serious findings new with this change: notify once. */
  readonly announce: readonly LiveFinding[];
}

export class RunDoctors {
  private readonly doctors = new Map<string, LiveDoctor | null>();
  private readonly emitter = new Emitter<DoctorChange>();
  readonly onChange: Event<DoctorChange> = this.emitter.event;

  /** The run's findings so far (primes the doctor from the folder on first use). */
  findings(dir: string): readonly LiveFinding[] {
    return this.doctor(dir)?.findings() ?? [];
  }

  /** A live event of the run manager. */
  event(e: RunEvent): void {
    if (e.kind !== 'metrics') return;
    const d = this.doctor(e.dir);
    if (!d) return;
    const before = d.findings();
    const u = d.add(e.records);
    if (u.announce.length || changed(before, u.findings)) this.emitter.fire({ dir: e.dir, findings: u.findings, announce: u.announce });
  }

  /** The run ended: a diverged end is a finding of its own. */
  ended(dir: string, status: RunStatus): void {
    if (status.state !== 'diverged') return;
    const d = this.doctor(dir);
    if (!d) return;
    const u = d.ended(status.state, status.step, status.error);
    this.emitter.fire({ dir, findings: u.findings, announce: u.announce });
  }

  forget(dir: string): void {
    this.doctors.delete(dir);
  }

  dispose(): void {
    this.emitter.dispose();
  }

  /** null: the folder has no readable config, so there is nothing to diagnose against. */
  private doctor(dir: string): LiveDoctor | null {
    let d = this.doctors.get(dir);
    if (d !== undefined) return d;
    const run = readRunFolder(dir);
    if (!run.config) {
      this.doctors.set(dir, null);
      return null;
    }
    d = new LiveDoctor(doctorContext(run.config));
    // A long log is read as an even sample plus its newest records (bounded work).
    d.add(readMetricsQuick(path.join(dir, RUN_FILES.metrics)).records);
    if (run.status.state === 'diverged') d.ended(run.status.state, run.status.step, run.status.error);
    this.doctors.set(dir, d);
    return d;
  }
}

function changed(a: readonly LiveFinding[], b: readonly LiveFinding[]): boolean {
  if (a.length !== b.length) return true;
  return a.some((f, i) => f.detector !== b[i].detector || f.active !== b[i].active || f.evidence.toStep !== b[i].evidence.toStep);
}

/** What crosses to the webview: the finding without the config patches (the host keeps those). */
export function findingViews(findings: readonly LiveFinding[]): FindingView[] {
  return findings.slice(0, 50).map((f) => ({
    detector: f.detector,
    title: f.title,
    severity: f.severity,
    evidence: f.evidence,
    why: f.why,
    fixes: f.fixes.slice(0, 10).map((x) => ({ label: x.label })),
    firstStep: f.firstStep,
    active: f.active,
  }));
}
