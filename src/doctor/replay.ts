/**
 * The doctor over a finished (or reloaded) run, as the live dashboard would
 * have seen it: diagnose after every record, keep each detector's finding as
 * it was when it first fired, then add what the run's end says (a diverged
 * run names its first non-finite quantity).
 */
import type { ResolvedConfig } from '../protocol/config';
import type { MetricRecord } from '../protocol/metrics';
import type { RunStatus } from '../protocol/run';
import { variantInfo, type VariantId } from '../protocol/variants';
import { diagnose, type DoctorContext, type Finding } from './detectors';

export function doctorContext(cfg: ResolvedConfig, status?: Pick<RunStatus, 'state' | 'step' | 'error'>): DoctorContext {
  const name = cfg.data.kind === 'toy' ? cfg.data.name : undefined;
  const modes = name === '8gaussians' ? 8 : name === '25gaussians' ? 25 : cfg.data.kind === 'stacked-mnist' ? 1000 : undefined;
  return {
    config: cfg,
    output: variantInfo(cfg.variant as VariantId).output,
    dataModes: modes,
    totalSteps: cfg.training.steps,
    ...(status?.state === 'diverged' ? { ended: { state: 'diverged' as const, step: status.step, error: status.error ?? '' } } : {}),
  };
}

export interface Replay {
  /** Step of the record at which each detector first fired. */
  readonly firstFired: ReadonlyMap<string, number>;
  /** Each detector's finding as it was when it first fired: what the live panel showed and Apply fix used. */
  readonly firstFindings: ReadonlyMap<string, Finding>;
  /** Findings on the whole run, including its end state. */
  readonly final: Finding[];
}

export function replayDiagnosis(records: readonly MetricRecord[], cfg: ResolvedConfig, status?: Pick<RunStatus, 'state' | 'step' | 'error'>): Replay {
  const live = doctorContext(cfg);
  const firstFired = new Map<string, number>();
  const firstFindings = new Map<string, Finding>();
  const note = (f: Finding, step: number) => {
    if (firstFired.has(f.detector)) return;
    firstFired.set(f.detector, step);
    firstFindings.set(f.detector, f);
  };
  // Growing prefixes, as records arrived; long runs are replayed every few records (the
  // detectors' windows are 5–20 records, so a stride of 1/2000 of the run misses nothing).
  const stride = Math.max(1, Math.floor(records.length / 2000));
  for (let i = 1; i <= records.length; i += stride) for (const f of diagnose(records.slice(0, i), live)) note(f, records[i - 1].step);
  const final = records.length ? diagnose(records, doctorContext(cfg, status)) : [];
  for (const f of final) note(f, status?.step ?? records[records.length - 1]?.step ?? 0);
  return { firstFired, firstFindings, final };
}
