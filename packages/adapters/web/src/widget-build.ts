import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The widget's entry file (relative to the package root, so it resolves from `src/` and `dist/`). */
export const WIDGET_ENTRY = fileURLToPath(new URL('../src/widget/main.ts', import.meta.url));
/** Where `build:widget` writes the bundle. */
export const WIDGET_BUNDLE = fileURLToPath(new URL('../dist/widget.js', import.meta.url));

/** The built widget and its sizes. */
export interface WidgetBuild {
  code: string;
  bytes: number;
  gzipBytes: number;
}

/**
 * Bundles the widget into one minified IIFE with esbuild (a dev dependency, loaded only here).
 * With `outfile` it is also written to disk.
 */
export async function buildWidget(options: { outfile?: string; minify?: boolean } = {}): Promise<WidgetBuild> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [WIDGET_ENTRY],
    bundle: true,
    format: 'iife',
    minify: options.minify ?? true,
    // Browsers from 2021 on: private class members need no lowering, which keeps the bundle small.
    target: ['chrome91', 'safari15', 'firefox90', 'edge91'],
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  if (options.outfile) {
    await mkdir(dirname(options.outfile), { recursive: true });
    await writeFile(options.outfile, code);
  }
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length };
}
