import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

/** A folder served under a URL prefix. */
export interface StaticMount {
  /** URL prefix, e.g. `/console`. */
  prefix: string;
  /** Folder on disk. */
  dir: string;
  /** Serve `index.html` for paths without a file extension that match no file (single-page apps). Default false. */
  spa?: boolean;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
};

/** Bundler output with a content hash in the name (`index-3f9a1c2b.js`) never changes: cache it for a year. */
const HASHED = /[.-][A-Za-z0-9_]{8,}\.(?:js|mjs|css|woff2?|png|jpe?g|svg|webp|avif)$/;

/** What {@link serveStatic} did. */
export type StaticOutcome = 'served' | 'not-found' | 'forbidden' | 'bad-request';

/**
 * Serves one file of a mount. Refuses anything that resolves outside the folder (`..`, encoded
 * `%2e%2e`, backslashes, NUL bytes, symlinks pointing out). HTML and other unhashed files are
 * revalidated (`no-cache` + ETag), hashed assets are immutable.
 */
export async function serveStatic(mount: StaticMount, rest: string, req: IncomingMessage, res: ServerResponse): Promise<StaticOutcome> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return 'bad-request';
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return 'bad-request';
  const root = resolve(mount.dir);
  const target = resolve(root, '.' + '/' + decoded);
  if (target !== root && !target.startsWith(root + sep)) return 'forbidden';
  let file = await findFile(target);
  if (!file && mount.spa && extname(decoded) === '') file = await findFile(join(root, 'index.html'));
  if (!file) return 'not-found';
  // Symlinks must not lead out of the folder either.
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file.path)]);
  if (!realFile.startsWith(realRoot + sep)) return 'forbidden';

  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  const headers: Record<string, string | number> = {
    'content-type': contentTypes[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': HASHED.test(file.path) ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag,
    'last-modified': new Date(file.mtimeMs).toUTCString(),
    'x-content-type-options': 'nosniff',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return 'served';
  }
  headers['content-length'] = file.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return 'served';
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(file.path);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    stream.on('end', () => done());
    stream.pipe(res);
  });
  return 'served';
}

async function findFile(path: string): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
  try {
    let s = await stat(path);
    if (s.isDirectory()) {
      path = join(path, 'index.html');
      s = await stat(path);
    }
    return s.isFile() ? { path, size: s.size, mtimeMs: s.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}
