/**
 * training.lrDecayStart: the linear decay that pix2pix and CycleGAN use for
 * the second half of a run (Isola et al. 2017; Zhu et al. 2017). Shared: the
 * trainer sets its optimizers' rates with it and the dashboard shows it. The
 * rate is a function of the generator step alone, so a resumed run continues
 * the same schedule with nothing extra in its checkpoint.
 */

/**
 * The factor on both learning rates for the updates of generator step `step`
 * (0-based) of `steps`: 1 before `decayStart`, then (steps − step) /
 * (steps − decayStart), so the first decayed step keeps the full rate and
 * the last one takes 1 / (steps − decayStart) of it; 0 once the run is done.
 */
export function learningRateScale(step: number, steps: number, decayStart: number | undefined): number {
  if (decayStart === undefined || step < decayStart || decayStart >= steps) return 1;
  return Math.max(0, (steps - step) / (steps - decayStart));
}
