import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../src/index.js';

describe('docs/errors.md', () => {
  it('documents every core error code with an anchor', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
    const missing = Object.values(ErrorCodes).filter((code) => !doc.includes(`<a id="${code}"></a>`));
    expect(missing).toEqual([]);
  });
});
