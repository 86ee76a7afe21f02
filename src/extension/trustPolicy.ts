/**
 * What needs a trusted workspace, and what the user is told when it is not
 * (no `vscode` import: unit-tested). Everything that compiles or runs code
 * from the workspace is refused; viewing runs and dashboards is not.
 */
export type TrustedAction = 'newExperiment' | 'startTraining' | 'resumeRun';

const WHY: Readonly<Record<TrustedAction, string>> = {
  newExperiment: 'GAN: New Experiment is disabled in an untrusted workspace: it writes model code that training would compile and run.',
  startTraining:
    'GAN: Start Training is disabled in an untrusted workspace: it would compile and run the model code (model.ts) from this workspace in a trainer process.',
  resumeRun:
    "GAN: Resume Run is disabled in an untrusted workspace: it would compile and run the run folder's copy of the model code (model.ts) in a trainer process.",
};

/** The message for a refused action; undefined when the workspace is trusted. */
export function untrustedRefusal(action: TrustedAction, isTrusted: boolean): string | undefined {
  if (isTrusted) return undefined;
  return `${WHY[action]} Trust this workspace to use it; runs and their dashboards can be viewed without trust.`;
}
