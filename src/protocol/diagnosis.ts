/**
 * The doctor's findings as they cross to the dashboard (host → webview
 * `diagnosis`) and the fix the user picks (webview → host `applyFix`). The
 * detectors themselves (src/doctor) stay on the host: the webview shows what
 * was found and names a fix by index, it never sends a config patch.
 */
import { z } from 'zod';

export const SEVERITIES = ['info', 'warning', 'serious'] as const;

export const FindingViewSchema = z.object({
  detector: z.string().min(1).max(64),
  title: z.string().max(200),
  severity: z.enum(SEVERITIES),
  evidence: z.object({
    /** The metric key the finding rests on: the dashboard highlights its chart. */
    metric: z.string().max(64),
    fromStep: z.number().int().min(0),
    toStep: z.number().int().min(0),
    seen: z.string().max(1000),
  }),
  why: z.string().max(1000),
  /** Fix labels in order of likely effect; the webview names one by its index. */
  fixes: z.array(z.object({ label: z.string().max(300) })).max(10),
  firstStep: z.number().int().min(0),
  active: z.boolean(),
});
export type FindingView = z.infer<typeof FindingViewSchema>;

export const MAX_FINDINGS = 50;
