/**
 * Hyper-parameters for the 2-D toy sets, per variant: what GAN: New Experiment
 * writes for toy data and what the variants benchmark (bench/variants.ts)
 * measured. The catalogue (variants.ts) holds each paper's settings, made for
 * images; some fail on toy data (docs/measured.md: WGAN-GP with λ = 10 and
 * β1 = 0 loses the ring in 1,500 steps, and swings about for thousands).
 * Everything not listed stays the catalogue default; the model is the toy
 * template's ReLU MLP (3 × 128 unless stated), latent size 2, batch 256.
 */
import type { VariantId } from './variants';

export interface ToySettings {
  model?: { hidden?: number; depth?: number; latentDim?: number; spectralNorm?: boolean; packing?: number };
  training?: { nCritic?: number; optimizer?: 'adam' | 'rmsprop'; lrD?: number; lrG?: number; beta1?: number; beta2?: number; emaG?: number };
  options?: Record<string, number | boolean | string>;
  /** Where the settings come from: the benchmark's notes, and the scaffold's model.ts comment. */
  why: string;
}

export const TOY_SETTINGS: Partial<Record<VariantId, ToySettings>> = {
  'gan-ns': {
    model: { hidden: 64 },
    training: { lrD: 1e-3, lrG: 1e-3, beta1: 0.5, beta2: 0.999 },
    why: '3 × 64 units, Adam 1e-3, β = (0.5, 0.999): on 8 Gaussians 7–8 modes and 0.09–0.40 of the first distance at 1,500 steps on seeds 1–4, where 128 units left mass between modes (docs/measured.md)',
  },
  'gan-minimax': { model: { hidden: 64 }, training: { lrD: 1e-3, lrG: 1e-3, beta1: 0.5, beta2: 0.999 }, why: 'as the non-saturating GAN' },
  'wgan-gp': {
    training: { nCritic: 5, lrD: 1e-4, lrG: 1e-4, beta1: 0.5, beta2: 0.9 },
    options: { gpWeight: 0.1 },
    why:
      "the WGAN-GP paper's toy script (gan_toy.py): λ = 0.1, Adam 1e-4, β = (0.5, 0.9), 5 critic steps, 3 ReLU layers; " +
      'but 128 units, not 512: 512 runs at about 0.5 generator steps/s on the wasm backend (measured on the 2-core VM under load), ' +
      'and 128 covers all 8 modes by step 600 (docs/measured.md)',
  },
  lsgan: { training: { lrD: 1e-3, lrG: 1e-3, beta1: 0.5, beta2: 0.999 }, why: 'labels 0/1/1, Adam 1e-3, β = (0.5, 0.999), as the non-saturating GAN (not tuned)' },
  'wgan-clip': {
    training: { nCritic: 5, optimizer: 'rmsprop', lrD: 5e-4, lrG: 5e-4 },
    options: { clipValue: 0.1 },
    why: 'RMSProp 5e-4, c = 0.1, 5 critic steps: c = 0.01 with 5e-5 needs tens of thousands of steps on toy data (test/trainer/variants-train.test.ts); not tuned further',
  },
  hinge: { training: { lrD: 1e-3, lrG: 1e-3, beta1: 0.5, beta2: 0.999 }, why: 'Adam 1e-3, β = (0.5, 0.999), as the non-saturating GAN (not tuned)' },
  dragan: { training: { lrD: 1e-3, lrG: 1e-3, beta1: 0.5, beta2: 0.9 }, options: { gpWeight: 10 }, why: 'λ = 10 (paper), Adam 1e-3, β = (0.5, 0.9) (not tuned)' },
  r1: {
    training: { lrD: 1e-3, lrG: 1e-3, beta1: 0.5, beta2: 0.99 },
    options: { r1Gamma: 1, penaltyOn: 'real' },
    why: 'γ = 1 on real data (the paper uses 10 on images; smaller here because the modes are narrow, σ ≈ 0.014–0.018: a guess, not tuned), Adam 1e-3, β = (0.5, 0.99)',
  },
  'f-gan': {
    model: { hidden: 64, spectralNorm: true },
    training: { lrD: 1e-3, lrG: 1e-3, beta1: 0.5, beta2: 0.999 },
    why: 'spectral normalization on V, 3 × 64 units, Adam 1e-3, β = (0.5, 0.999): without the Lipschitz bound TV runs off and reverse KL and Neyman diverge (docs/measured.md)',
  },
};

/** The variant's toy settings where the data is a 2-D toy set; none elsewhere, where the catalogue's (the paper's) defaults stand. */
export function toySettingsFor(variant: VariantId, onToyData: boolean): ToySettings | undefined {
  return onToyData ? TOY_SETTINGS[variant] : undefined;
}
