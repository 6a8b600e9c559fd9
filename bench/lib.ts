/**
 * The benchmark harness contract. A scenario is a module in `bench/scenarios/` that exports
 * `scenario`; the runner (`bench/run.ts`) runs it and prints one line per figure.
 */

/** What the runner hands every scenario. */
export interface ScenarioOptions {
  /** `--quick`: shorter runs for a smoke check; numbers are noisier. */
  quick: boolean;
  /** Progress notes (stderr), never figures. */
  log(message: string): void;
}

/** One measured number. */
export interface Figure {
  /** Stable and dotted, e.g. `store.sqlite.group-commit`. */
  name: string;
  /** The headline value: the median of `runs` when there are several. */
  value: number;
  /** e.g. `appends/s`, `µs/append`, `KB/conn`. */
  unit: string;
  /** Every run's value, for the spread. */
  runs?: number[];
  /** What the figure is compared with, measured in the same run. */
  baseline?: { name: string; value: number };
  /** `value / baseline.value`; the runner computes it when absent. */
  ratio?: number;
  /** A short note printed after the figure (a skipped variant, the rig). */
  note?: string;
}

/** A benchmark scenario. */
export interface Scenario {
  /** What `--only <name>` selects, e.g. `store`. */
  name: string;
  /** One line on what is measured. */
  description: string;
  run(options: ScenarioOptions): Promise<Figure[]>;
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The spread of runs as ± half the range, in percent of the median. */
export function spreadPercent(values: number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  return m === 0 ? 0 : ((Math.max(...values) - Math.min(...values)) / 2 / m) * 100;
}

/** A figure from several runs: the median is the value. */
export function figureFromRuns(name: string, unit: string, runs: number[], extra: Partial<Figure> = {}): Figure {
  return { name, unit, runs, value: median(runs), ...extra };
}

/** One printed line: name, value, spread, ratio to the baseline. */
export function formatFigure(f: Figure): string {
  const num = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
  let line = `${f.name.padEnd(40)} ${num(f.value).padStart(10)} ${f.unit}`;
  if (f.runs && f.runs.length > 1) line += `  (${f.runs.length} runs, ±${spreadPercent(f.runs).toFixed(1)}%)`;
  const ratio = f.ratio ?? (f.baseline && f.baseline.value ? f.value / f.baseline.value : undefined);
  if (f.baseline && ratio !== undefined) line += `  ×${ratio.toFixed(2)} vs ${f.baseline.name}`;
  if (f.note) line += `  — ${f.note}`;
  return line;
}
