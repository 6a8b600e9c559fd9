/**
 * @kefu/console — the agent console, a web page built with Preact. This Node entry finds the
 * built page ({@link consoleDir}) and builds it when it is missing ({@link buildConsole}), so a
 * server can serve it without a separate build step.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder: the same from `src/` (sources) and `dist/` (built). */
const packageDir = fileURLToPath(new URL('../', import.meta.url));

/** Options of {@link buildConsole}. */
export interface BuildConsoleOptions {
  /** Where to write the page. Default: {@link consoleDir}. */
  outDir?: string;
  /** Build even if the page is already there. Default false. */
  force?: boolean;
  /** Minify the bundle. Default true. */
  minify?: boolean;
  /**
   * The REST base the page calls, written into `<meta name="kefu-api">`. Default `/api/v1` on
   * the page's own origin. The agent socket lives at `<apiBase>/agent/ws`.
   */
  apiBase?: string;
}

/** The absolute path of the built console (`index.html` and hashed assets): `dist/web` of this package. */
export function consoleDir(): string {
  return join(packageDir, 'dist', 'web');
}

/**
 * Builds the console page with esbuild when `index.html` is missing (or with `force`), and
 * returns the folder to serve. Asset names carry a content hash, so they can be cached forever;
 * `index.html` refers to them relatively, so the page works under any prefix (serve it with a
 * trailing slash, e.g. `/console/`).
 */
export async function buildConsole(options: BuildConsoleOptions = {}): Promise<string> {
  const outDir = options.outDir ?? consoleDir();
  if (!options.force && existsSync(join(outDir, 'index.html'))) return outDir;
  // esbuild is only needed to build: loaded lazily so serving a built console never pays for it.
  const { build } = await import('esbuild');
  const assets = join(outDir, 'assets');
  await rm(assets, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const result = await build({
    entryPoints: [join(packageDir, 'app', 'main.tsx')],
    outdir: assets,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'safari15', 'firefox100'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: options.minify ?? true,
    sourcemap: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js) throw new Error('The console build produced no script');
  const template = await readFile(join(packageDir, 'app', 'index.html'), 'utf8');
  const html = template
    .replace('%API_BASE%', escapeAttribute(options.apiBase ?? ''))
    .replace('%STYLES%', css ? `<link rel="stylesheet" href="./assets/${css}">` : '')
    .replace('%SCRIPT%', `<script type="module" src="./assets/${js}"></script>`);
  await writeFile(join(outDir, 'index.html'), html);
  return outDir;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
