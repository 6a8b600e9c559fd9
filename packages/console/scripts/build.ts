/** `pnpm build` step: (re)builds the console page into dist/web and prints its size. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { buildConsole } from '../src/index.js';

const dir = await buildConsole({ force: true });
for (const file of readdirSync(join(dir, 'assets'))) {
  const path = join(dir, 'assets', file);
  console.log(`${file}  ${(statSync(path).size / 1024).toFixed(1)} KB  (${(gzipSync(readFileSync(path)).length / 1024).toFixed(1)} KB gzip)`);
}
console.log(`console built in ${dir}`);
