import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type HttpRoute, jsonError } from './http.js';
import { WebErrorCodes } from './errors.js';
import { WIDGET_BUNDLE, WIDGET_ENTRY, buildWidget } from './widget-build.js';

/** How `GET /widget.js` finds the bundle. */
export interface WidgetAssetOptions {
  /** A prebuilt bundle to serve. Default: the package's `dist/widget.js`. */
  bundlePath?: string;
  /**
   * When the bundle file is missing, or older than the widget sources next to it (a checkout
   * being worked on), build it in memory with esbuild at the first request: development and
   * tests need no separate build step. Default true.
   */
  buildIfMissing?: boolean;
  /** `Cache-Control` max-age in seconds. Default 300 (the tag URL has no version in it). */
  maxAgeSeconds?: number;
}

/** The `GET /widget.js` route. The bundle is read (or built) once and kept in memory. */
export function createWidgetRoute(options: WidgetAssetOptions): HttpRoute {
  let loading: Promise<{ code: string; etag: string }> | undefined;
  const load = async () => {
    const path = options.bundlePath ?? WIDGET_BUNDLE;
    let code: string;
    try {
      if (options.buildIfMissing !== false && !options.bundlePath && (await sourcesNewerThan(path))) throw new Error('stale bundle');
      code = await readFile(path, 'utf8');
    } catch (error) {
      if (options.buildIfMissing === false) throw error;
      code = (await buildWidget()).code;
    }
    return { code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 22)}"` };
  };
  return {
    method: 'GET',
    path: '/widget.js',
    async handler(request) {
      loading ??= load();
      let bundle: { code: string; etag: string };
      try {
        bundle = await loading;
      } catch (error) {
        loading = undefined;
        return jsonError(500, WebErrorCodes.WIDGET_UNAVAILABLE, `The widget bundle is not available: ${(error as Error).message}`);
      }
      const headers = {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': `public, max-age=${options.maxAgeSeconds ?? 300}`,
        etag: bundle.etag,
        'access-control-allow-origin': '*',
        'cross-origin-resource-policy': 'cross-origin',
      };
      if (request.headers.get('if-none-match') === bundle.etag) return new Response(null, { status: 304, headers });
      return new Response(request.method === 'HEAD' ? null : bundle.code, { status: 200, headers });
    },
  };
}

/** True when a widget source file changed after the bundle was built (false when sources are absent). */
async function sourcesNewerThan(bundle: string): Promise<boolean> {
  try {
    const built = (await stat(bundle)).mtimeMs;
    const widgetDir = dirname(WIDGET_ENTRY);
    const files = [...(await readdir(widgetDir)).map((f) => join(widgetDir, f)), join(widgetDir, '..', 'protocol.ts')];
    for (const file of files) if ((await stat(file)).mtimeMs > built) return true;
    return false;
  } catch {
    return false;
  }
}
