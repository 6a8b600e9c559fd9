/**
 * `pnpm bench [--quick] [--only <scenario>]`: runs every scenario in `bench/scenarios/` (or one)
 * and prints one line per figure with its ratio to the baseline measured in the same run.
 */
import { readdirSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Scenario, formatFigure } from './lib.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
if (onlyAt >= 0 && !only) {
  console.error('--only needs a scenario name');
  process.exit(2);
}

const dir = fileURLToPath(new URL('./scenarios/', import.meta.url));
const scenarios: Scenario[] = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).sort()) {
  const mod = (await import(pathToFileURL(dir + file).href)) as { scenario?: Scenario };
  if (mod.scenario) scenarios.push(mod.scenario);
}
const selected = only ? scenarios.filter((s) => s.name === only) : scenarios;
if (selected.length === 0) {
  console.error(`No scenario "${only}". Known: ${scenarios.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const cpu = cpus()[0]?.model ?? 'unknown cpu';
console.log(`# Kefu bench — ${new Date().toISOString()} — ${cpus().length}× ${cpu} (${arch()}), ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}${quick ? ' — quick' : ''}`);
for (const s of selected) {
  console.log(`\n## ${s.name}: ${s.description}`);
  const figures = await s.run({ quick, log: (m) => process.stderr.write(`  · ${m}\n`) });
  for (const f of figures) console.log(formatFigure(f));
}
