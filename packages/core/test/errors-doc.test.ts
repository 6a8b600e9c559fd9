import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../src/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');

/**
 * Where codes are defined: a constant's value (`NAME: 'KEFU_X'`) or the first argument of
 * `new KefuError('KEFU_X', ...)`. Environment variable names (also `KEFU_*`) appear elsewhere.
 */
/** Environment variable names that happen to sit in a constant (`variable: 'KEFU_PUBLIC_URL'`). */
const NOT_CODES = new Set(['KEFU_PUBLIC_URL']);
const CODE_PATTERNS = [/[\w\]]\s*:\s*'(KEFU_[A-Z0-9_]*[A-Z0-9])'/g, /KefuError\(\s*'(KEFU_[A-Z0-9_]*[A-Z0-9])'/g];

function sources(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) out = out.concat(sources(path));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

function sourceRoots(): string[] {
  const roots: string[] = [];
  for (const group of ['packages', 'packages/adapters', 'packages/plugins', 'examples']) {
    for (const name of readdirSync(join(root, group))) {
      const src = join(root, group, name, 'src');
      try {
        if (statSync(src).isDirectory()) roots.push(src);
      } catch {
        // not a package folder
      }
    }
  }
  return roots;
}

describe('docs/errors.md', () => {
  it('documents every core error code with an anchor', () => {
    const missing = Object.values(ErrorCodes).filter((code) => !doc.includes(`<a id="${code}"></a>`));
    expect(missing).toEqual([]);
  });

  it('documents every KEFU_* code any package throws', () => {
    const found = new Set<string>();
    for (const file of sourceRoots().flatMap(sources)) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of CODE_PATTERNS) for (const m of text.matchAll(pattern)) if (!NOT_CODES.has(m[1]!)) found.add(m[1]!);
    }
    expect(found.size).toBeGreaterThan(50);
    expect([...found].filter((code) => !doc.includes(`<a id="${code}"></a>`)).sort()).toEqual([]);
  });
});
