/**
 * GAN: Explain Run — a Markdown report of one run folder: what was trained
 * (config, variant and its paper), how it ended, its curves as PNG images,
 * and the doctor's findings with their evidence (the step range shaded on the
 * chart of the metric it rests on) and fixes. Pure over the folder, so the
 * extension command and the CLI (`trainer.js explain`) write the same report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataLabel } from '../../protocol/config';
import { CHARTS, METRICS, type ChartId, type MetricRecord } from '../../protocol/metrics';
import { variantInfo, type VariantId } from '../../protocol/variants';
import { RUN_FILES, RunOriginSchema, type RunOrigin } from '../../protocol/run';
import { readJsonFile } from '../../runfolder/json';
import { readMetrics } from '../../runfolder/metricsLog';
import { readRunContents } from '../../runfolder/read';
import { writeFileAtomic } from '../../runfolder/atomic';
import type { Finding } from '../detectors';
import { replayDiagnosis } from '../replay';
import { linePlot, wantsLog, type Series } from './linePlot';

export const REPORT_FILE = 'report.md';
export const REPORT_IMAGES = 'report';

const CHART_TITLES: Record<ChartId, string> = {
  losses: 'Losses',
  distance: 'Distance to the data',
  gradients: 'Gradients and update sizes',
  outputs: 'Discriminator outputs',
  quality: 'Sample quality',
  images: 'Image quality',
  speed: 'Speed',
};

const COLOUR_NAMES: Record<string, string> = {
  '#0072b2': 'blue',
  '#d55e00': 'vermillion',
  '#009e73': 'green',
  '#cc79a7': 'pink',
  '#e69f00': 'orange',
  '#56b4e9': 'sky blue',
  '#000000': 'black',
};

export interface Report {
  readonly markdown: string;
  /** PNG files, named relative to the run folder. */
  readonly images: { readonly file: string; readonly png: Buffer }[];
  readonly findings: readonly Finding[];
}

const fmt = (x: number) => (Math.abs(x) >= 1000 || (x !== 0 && Math.abs(x) < 0.01) ? x.toExponential(2) : Number(x.toPrecision(4)).toString());

function seriesOf(records: readonly MetricRecord[], key: string): Series['points'] {
  const out: [number, number][] = [];
  for (const r of records) {
    const v = r[key];
    if (typeof v === 'number' && Number.isFinite(v)) out.push([r.step, v]);
  }
  return out;
}

/** Metrics present in the run, per chart (catalogue order, then unknown keys on no chart). */
function chartSeries(records: readonly MetricRecord[], chart: ChartId, only?: string): Series[] {
  return METRICS.filter((m) => m.chart === chart && (!only || m.key === only))
    .map((m) => ({ label: m.label, points: seriesOf(records, m.key) }))
    .filter((s) => s.points.length > 0);
}

function plotSection(records: readonly MetricRecord[], chart: ChartId, file: string, highlight?: readonly [number, number], only?: string) {
  const series = chartSeries(records, chart, only);
  if (!series.length) return undefined;
  const p = linePlot(series, { highlight, logY: chart === 'gradients' && wantsLog(series) });
  const legend = series.map((s, i) => `${COLOUR_NAMES[p.colours[i]] ?? p.colours[i]}: ${s.label}`).join(' · ');
  const axes = `steps ${fmt(p.x[0])}–${fmt(p.x[1])}; y ${fmt(p.y[0])} to ${fmt(p.y[1])}${p.logY ? ' (log scale)' : ''}`;
  return { png: p.png, markdown: `![${CHART_TITLES[chart]}](${file})\n\n${legend}  \n_${axes}_\n` };
}

export function explainRun(runDir: string): Report {
  const run = readRunContents(runDir);
  const records = run.metrics;
  const images: { file: string; png: Buffer }[] = [];
  const md: string[] = [];
  const cfg = run.config;
  md.push(`# Run ${run.id}${cfg ? ` — ${cfg.name}` : ''}`, '');
  if (cfg) {
    const v = variantInfo(cfg.variant as VariantId);
    md.push(`**${v.title}** on **${dataLabel(cfg.data)}**. ${v.description}  `, `Paper: ${v.paper}.`, '');
  }
  const st = run.status;
  md.push(
    `| state | steps | backend | started | last update |`,
    `|---|---|---|---|---|`,
    `| ${st.state}${st.error ? ` (${st.error.replace(/\|/g, '\\|')})` : ''} | ${st.step} of ${st.totalSteps} | ${st.backend?.name ?? '–'} | ${st.startedAt} | ${st.updatedAt} |`,
    '',
  );
  if (run.warnings.length) md.push('Reading the folder gave these warnings:', '', ...run.warnings.map((w) => `- ${w}`), '');

  const last = records[records.length - 1];
  if (last) {
    const shown = METRICS.filter((m) => typeof last[m.key] === 'number');
    md.push(`## Where it ended (step ${last.step})`, '', '| metric | value | what it is |', '|---|---|---|');
    for (const m of shown) md.push(`| ${m.label} | ${fmt(last[m.key] as number)} | ${m.description} |`);
    md.push('');
  }

  const findings = cfg ? [...replayDiagnosis(records, cfg, st).firstFindings.values()] : [];
  md.push('## Diagnosis', '');
  if (!cfg) md.push('The config could not be read, so the doctor did not run.', '');
  else if (!findings.length) md.push(`The training doctor found nothing wrong in ${records.length} records.`, '');
  findings.forEach((f, i) => {
    md.push(`### ${i + 1}. ${f.title} (${f.severity})`, '', `**Seen** (steps ${f.evidence.fromStep}–${f.evidence.toStep}, ${f.evidence.metric}): ${f.evidence.seen}.`, '', `**Why it matters:** ${f.why}`, '');
    if (f.fixes.length) md.push('**Fixes**, most likely to help first:', '', ...f.fixes.map((x, k) => `${k + 1}. ${x.label}`), '');
    const chart = METRICS.find((m) => m.key === f.evidence.metric)?.chart;
    const file = `${REPORT_IMAGES}/finding-${i + 1}-${f.detector}.png`;
    const plot = chart && plotSection(records, chart, file, [f.evidence.fromStep, f.evidence.toStep], f.evidence.metric);
    if (plot) {
      images.push({ file, png: plot.png });
      md.push(`The evidence over the whole run, its steps shaded:`, '', plot.markdown);
    }
  });

  md.push(...whatWasTried(runDir, last), '');

  md.push('## Curves', '');
  if (!records.length) md.push('No metrics were recorded.', '');
  for (const chart of CHARTS) {
    const file = `${REPORT_IMAGES}/${chart}.png`;
    const plot = plotSection(records, chart, file);
    if (!plot) continue;
    images.push({ file, png: plot.png });
    md.push(`### ${CHART_TITLES[chart]}`, '', plot.markdown);
  }
  if (cfg) md.push('## Config', '', '```json', JSON.stringify(cfg, null, 2), '```', '');
  return { markdown: md.join('\n'), images, findings };
}

function outcomeOf(r: MetricRecord | undefined): string {
  if (!r) return 'no metrics';
  const parts = [
    typeof r.modesCovered === 'number' ? `${r.modesCovered} modes` : undefined,
    typeof r.hqPercent === 'number' ? `${fmt(r.hqPercent)}% high-quality` : undefined,
    typeof r.swd === 'number' ? `sliced Wasserstein ${fmt(r.swd)}` : undefined,
  ].filter(Boolean);
  return `${parts.join(', ') || 'no quality metrics'} at step ${r.step}`;
}

function lastRecord(dir: string): MetricRecord | undefined {
  const rs = readMetrics(path.join(dir, RUN_FILES.metrics)).records;
  return rs[rs.length - 1];
}

/**
 * Apply fix leaves origin.json in the run it starts: this run's own origin,
 * and the runs beside it made from this one, each with its outcome.
 */
function whatWasTried(runDir: string, last: MetricRecord | undefined): string[] {
  const md = ['## What was tried', ''];
  const own = readJsonFile(path.join(runDir, RUN_FILES.origin), RunOriginSchema);
  if (own) {
    md.push(
      `This run is **${path.basename(own.fromRun)}** with the doctor's fix "${own.fix}" for "${own.finding}" (Apply fix, ${own.createdAt}).`,
      '',
      `| run | outcome |`,
      `|---|---|`,
      `| ${path.basename(own.fromRun)} (before the fix) | ${outcomeOf(lastRecord(own.fromRun))} |`,
      `| this run | ${outcomeOf(last)} |`,
      '',
    );
  }
  const parent = path.dirname(runDir);
  const children: { dir: string; origin: RunOrigin }[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(parent);
  } catch {
    /* no siblings to look at */
  }
  for (const n of names) {
    const dir = path.join(parent, n);
    if (dir === runDir) continue;
    const origin = readJsonFile(path.join(dir, RUN_FILES.origin), RunOriginSchema);
    if (origin && path.resolve(origin.fromRun) === path.resolve(runDir)) children.push({ dir, origin });
  }
  if (children.length) {
    md.push('Fixes tried from this run:', '', '| run | fix | for | outcome |', '|---|---|---|---|');
    for (const c of children) md.push(`| ${path.basename(c.dir)} | ${c.origin.fix} | ${c.origin.finding} | ${outcomeOf(lastRecord(c.dir))} |`);
    md.push('', `This run: ${outcomeOf(last)}.`);
  }
  if (!own && !children.length) md.push('No fix has been applied from this run yet (Apply fix in the Diagnosis panel starts one and records it here).');
  return md;
}

/** Write report.md and its images into the run folder; returns the report's path. */
export function writeExplainReport(runDir: string): string {
  const r = explainRun(runDir);
  fs.mkdirSync(path.join(runDir, REPORT_IMAGES), { recursive: true });
  for (const img of r.images) writeFileAtomic(path.join(runDir, img.file), img.png);
  const file = path.join(runDir, REPORT_FILE);
  writeFileAtomic(file, r.markdown);
  return file;
}
