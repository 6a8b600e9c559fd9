import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCases, runCli } from '../src/index.js';

const root = new URL('../../../', import.meta.url).pathname;
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'kefu-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the real `kefu` binary the way `pnpm kefu` does. */
function kefu(...args: string[]) {
  const r = spawnSync(join(root, 'node_modules/.bin/tsx'), ['--conditions=kefu-source', join(root, 'packages/cli/src/bin.ts'), ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kefu bot eval', () => {
  it('prints one JSON object with the figures, counting a wrong case as wrong', () => {
    const r = kefu('bot', 'eval', '--kb', `${fixtures}kb.json`, '--cases', `${fixtures}cases.jsonl`, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['accuracy', 'answerRate', 'correct', 'fallbackRate', 'handoffPrecision', 'handoffRate', 'handoffRecall', 'p50Ms', 'p99Ms', 'suggestRate', 'top3Recall', 'total'].sort());
    // 9 cases: "包邮吗 → invoice" is wrong on purpose, and "人工客服 → fallback" is wrong because the bot hands off.
    expect(out.total).toBe(9);
    expect(out.correct).toBe(7);
    expect(out.accuracy).toBeCloseTo(7 / 9, 4);
    // 3 handoff decisions, 2 of them expected: precision 2/3; both expected handoffs found: recall 1.
    expect(out.handoffPrecision).toBeCloseTo(2 / 3, 4);
    expect(out.handoffRecall).toBe(1);
    expect(out.handoffRate).toBeCloseTo(3 / 9, 4);
    expect(out.answerRate + out.suggestRate + out.fallbackRate + out.handoffRate).toBeCloseTo(1, 4);
    expect(out.p99Ms).toBeGreaterThanOrEqual(out.p50Ms);
  });

  it('prints a readable report and the failures', () => {
    const r = kefu('bot', 'eval', '--kb', `${fixtures}kb.json`, '--cases', `${fixtures}cases.jsonl`, '--failures');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('accuracy (top-1)   77.8 % (7/9)');
    expect(r.stdout).toContain('✗ expected invoice, got ship-fee');
  });

  it('refuses missing flags and malformed cases with exit code 2', async () => {
    expect(kefu('bot', 'eval', '--kb', `${fixtures}kb.json`).code).toBe(2);
    const lines: string[] = [];
    const io = { stdout: (t: string) => lines.push(t), stderr: (t: string) => lines.push(t) };
    expect(await runCli(['bot', 'eval', '--kb', `${fixtures}kb.json`, '--cases', `${fixtures}kb.json`], io)).toBe(2);
    expect(lines.join('')).toContain('KEFU_CLI_INVALID_CASES: cases line 1');
    expect(() => parseCases('{"q":"x"}')).toThrowError(expect.objectContaining({ code: 'KEFU_CLI_INVALID_CASES' }));
    expect(await runCli(['bot', 'nope'], io)).toBe(2);
  });
});

describe('kefu bot import', () => {
  it('checks rows with a progress bar, reports rejected rows and writes the accepted ones', () => {
    const out = join(tmp, 'kb.json');
    const r = kefu('bot', 'import', `${fixtures}import.csv`, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('checking [##############################] 100% 4/4');
    expect(r.stderr).toContain('2 of 4 rows accepted, 2 rejected');
    expect(r.stderr).toContain('row 3 (b): question is required');
    expect(r.stderr).toContain('row 4 (c): stage must be one of pre-sale, in-sale, after-sale');
    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(written.map((e: { id: string }) => e.id)).toEqual(['a', 'd']);
    expect(written[0].similar).toEqual(['包邮吗', '满多少包邮']);
  });

  it('exits 0 for a clean file and prints JSON to stdout', () => {
    const r = kefu('bot', 'import', `${fixtures}kb.json`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(3);
  });
});
