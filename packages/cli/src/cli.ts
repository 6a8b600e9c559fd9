import { readFileSync, writeFileSync } from 'node:fs';
import { KefuError, isKefuError } from '@kefu/core';
import { type EvalCase, type KbFormat, createUnderstander, evaluate, exportKb, formatOf, parseJsonKb, parseKb } from '@kefu/plugin-bot';

/** Where the CLI writes; injectable for tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal (the progress bar redraws in place). */
  isTTY?: boolean;
}

/** Error codes of @kefu/cli. */
export const CliErrorCodes = {
  /** Unknown command or missing/invalid flag. */
  USAGE: 'KEFU_CLI_USAGE',
  /** A cases file line is not `{ "q": string, "expect": string }`. */
  INVALID_CASES: 'KEFU_CLI_INVALID_CASES',
  /** A file could not be read or written. */
  FILE: 'KEFU_CLI_FILE',
} as const;

const USAGE = `Usage:
  kefu bot eval --kb <kb.json> --cases <cases.jsonl> [--json] [--failures] [--answer <0-1>] [--suggest <0-1>]
  kefu bot import <file.json|.csv|.md> [--format json|csv|md] [--out <kb.json>] [--json]

  eval     runs every case through the bot's understanding and prints accuracy, answer/suggest/
           fallback/handoff rates, handoff precision/recall and p50/p99 time per question.
  import   checks a knowledge-base file row by row (progress on stderr), reports rejected rows
           with their reason, and writes the accepted entries as JSON (stdout or --out).`;

function parseFlags(args: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      const next = args[i + 1];
      if (inline !== undefined) flags[key] = inline;
      else if (next !== undefined && !next.startsWith('--') && !['json', 'failures'].includes(key)) {
        flags[key] = next;
        i++;
      } else flags[key] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new KefuError(CliErrorCodes.FILE, `Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Parses JSON Lines cases; every bad line is an error naming the line. */
export function parseCases(text: string): EvalCase[] {
  const cases: EvalCase[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new KefuError(CliErrorCodes.INVALID_CASES, `cases line ${i + 1} is not JSON`, { details: { line: i + 1 } });
    }
    const c = value as Partial<EvalCase>;
    if (typeof c?.q !== 'string' || typeof c.expect !== 'string' || !c.expect) {
      throw new KefuError(CliErrorCodes.INVALID_CASES, `cases line ${i + 1} needs { "q": string, "expect": "<entry id>" | "handoff" | "fallback" }`, { details: { line: i + 1 } });
    }
    cases.push({ q: c.q, expect: c.expect });
  });
  return cases;
}

function percent(n: number): string {
  return `${(n * 100).toFixed(1)} %`;
}

/** A progress bar on stderr: redrawn in place on a terminal, printed once at the end otherwise. */
export function progressBar(io: CliIo, label: string): (done: number, total: number) => void {
  return (done, total) => {
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : width;
    const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${total ? Math.round((done / total) * 100) : 100}% ${done}/${total}`;
    if (io.isTTY) io.stderr(`\r${line}${done === total ? '\n' : ''}`);
    else if (done === total) io.stderr(`${line}\n`);
  };
}

async function botEval(flags: Record<string, string | true>, io: CliIo): Promise<number> {
  if (typeof flags.kb !== 'string' || typeof flags.cases !== 'string') throw new KefuError(CliErrorCodes.USAGE, 'bot eval needs --kb <kb.json> and --cases <cases.jsonl>');
  const kb = parseJsonKb(read(flags.kb));
  for (const r of kb.rejected) io.stderr(`kb row ${r.row}${r.id ? ` (${r.id})` : ''} skipped: ${r.reason}\n`);
  const cases = parseCases(read(flags.cases));
  const ids = new Set(kb.entries.map((e) => e.id));
  const unknown = [...new Set(cases.map((c) => c.expect).filter((e) => e !== 'handoff' && e !== 'fallback' && !ids.has(e)))];
  if (unknown.length) io.stderr(`warning: cases expect entries the knowledge base does not have: ${unknown.slice(0, 10).join(', ')}\n`);
  const thresholds: { answer?: number; suggest?: number } = {};
  for (const [flag, key] of [['answer', 'answer'], ['suggest', 'suggest']] as const) {
    if (flags[flag] === undefined) continue;
    const v = Number(flags[flag]);
    if (!(v >= 0 && v <= 1)) throw new KefuError(CliErrorCodes.USAGE, `--${flag} must be a number between 0 and 1`);
    thresholds[key] = v;
  }
  const understander = createUnderstander(kb.entries, { thresholds });
  const report = evaluate(understander, cases);
  if (flags.json) {
    const { failures: _failures, ...figures } = report;
    io.stdout(`${JSON.stringify(flags.failures ? report : figures)}\n`);
    return 0;
  }
  const rows: Array<[string, string]> = [
    ['cases', `${report.total} (knowledge base: ${kb.entries.length} entries, segmenter: ${understander.tokenizer.segmenter.kind})`],
    ['accuracy (top-1)', `${percent(report.accuracy)} (${report.correct}/${report.total})`],
    ['answer rate', percent(report.answerRate)],
    ['suggest rate', percent(report.suggestRate)],
    ['fallback rate', percent(report.fallbackRate)],
    ['handoff rate', percent(report.handoffRate)],
    ['handoff precision', percent(report.handoffPrecision)],
    ['handoff recall', percent(report.handoffRecall)],
    ['top-3 recall', percent(report.top3Recall)],
    ['time p50 / p99', `${report.p50Ms.toFixed(3)} ms / ${report.p99Ms.toFixed(3)} ms`],
  ];
  io.stdout(`kefu bot eval\n${rows.map(([k, v]) => `  ${k.padEnd(18)} ${v}`).join('\n')}\n`);
  if (flags.failures) for (const f of report.failures) io.stdout(`  ✗ expected ${f.expect}, got ${f.got} (${f.confidence}): ${f.q}\n`);
  return 0;
}

async function botImport(file: string | undefined, flags: Record<string, string | true>, io: CliIo): Promise<number> {
  if (!file) throw new KefuError(CliErrorCodes.USAGE, 'bot import needs a file');
  const format = (typeof flags.format === 'string' ? flags.format : formatOf(file)) as KbFormat;
  if (!['json', 'csv', 'md'].includes(format)) throw new KefuError(CliErrorCodes.USAGE, '--format must be json, csv or md');
  const report = parseKb(read(file), format, progressBar(io, 'checking'));
  if (report.entries.length) createUnderstander(report.entries);
  const summary = { total: report.total, accepted: report.entries.length, rejected: report.rejected };
  if (flags.json) io.stderr(`${JSON.stringify(summary)}\n`);
  else {
    io.stderr(`${report.entries.length} of ${report.total} rows accepted, ${report.rejected.length} rejected\n`);
    for (const r of report.rejected) io.stderr(`  row ${r.row}${r.id ? ` (${r.id})` : ''}: ${r.reason}\n`);
  }
  const out = exportKb(report.entries, 'json');
  if (typeof flags.out === 'string') {
    try {
      writeFileSync(flags.out, out);
    } catch (error) {
      throw new KefuError(CliErrorCodes.FILE, `Cannot write ${flags.out}: ${(error as Error).message}`, { cause: error });
    }
  } else io.stdout(out);
  return report.rejected.length ? 1 : 0;
}

/**
 * Runs the CLI. Answers the exit code: 0 success, 1 import with rejected rows, 2 usage or input error.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { positional, flags } = parseFlags(argv);
  const [group, command, ...rest] = positional;
  try {
    if (!group || group === 'help' || flags.help) {
      io.stdout(`${USAGE}\n`);
      return group || flags.help ? 0 : 2;
    }
    if (group === 'bot' && command === 'eval') return await botEval(flags, io);
    if (group === 'bot' && command === 'import') return await botImport(rest[0], flags, io);
    throw new KefuError(CliErrorCodes.USAGE, `Unknown command "${positional.join(' ')}"`);
  } catch (error) {
    if (isKefuError(error)) {
      io.stderr(`${error.code}: ${error.message}\n`);
      if (error.code === CliErrorCodes.USAGE) io.stderr(`${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}
