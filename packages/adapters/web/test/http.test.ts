import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebErrorCodes, matchRoute, sniffImageType } from '../src/index.js';
import { type Harness, connect, startHarness } from './harness.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe('http routes', () => {
  let h: Harness | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const upload = (bytes: Buffer, type: string, origin: string, tenant = 'default') => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type }), 'x');
    return fetch(`${h!.url}/widget/upload?tenant=${tenant}`, { method: 'POST', body: form, headers: { origin } });
  };

  it('serves widget.js (built on the fly when needed) with an ETag', async () => {
    h = await startHarness();
    const res = await fetch(`${h.url}/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    const code = await res.text();
    expect(code).toContain('KefuWidget');
    const again = await fetch(`${h.url}/widget.js`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('stores an uploaded image, serves it back and accepts it in a message', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kefu-up-'));
    h = await startHarness({ uploads: { dir, maxBytes: 1024 } });
    const res = await upload(PNG, 'image/png', h.origin);
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(h.origin);
    const { url, mimeType } = (await res.json()) as { url: string; mimeType: string };
    expect(mimeType).toBe('image/png');
    const file = await fetch(url);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true);
    const c = await connect(h, { visitor: 'v_upload_visitor' });
    expect(c.of('welcome')[0]).toMatchObject({ uploads: true });
    c.send({ type: 'message', clientId: 'img1', parts: [{ type: 'image', url }] });
    const ack = await c.ack('img1');
    expect((await h.store.getMessage(ack.id))?.parts).toEqual([{ type: 'image', url }]);
    // An image from anywhere else is refused.
    c.send({ type: 'message', clientId: 'img2', parts: [{ type: 'image', url: 'https://evil.example/x.png' }] });
    await c.until((fs) => fs.find((f) => f.type === 'error' && f.clientId === 'img2'));
    c.close();
  });

  it('refuses uploads that are too large, not images, from a foreign origin or for an unknown tenant', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kefu-up-'));
    h = await startHarness({ uploads: { dir, maxBytes: 1024 }, allowedOrigins: [] });
    const big = await upload(Buffer.concat([PNG, Buffer.alloc(40_000)]), 'image/png', h.origin);
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe(WebErrorCodes.UPLOAD_TOO_LARGE);
    const script = await upload(Buffer.from('<script>alert(1)</script>'), 'image/png', h.origin);
    expect(script.status).toBe(415);
    expect((await upload(PNG, 'image/png', 'https://evil.example')).status).toBe(403);
    expect((await upload(PNG, 'image/png', h.origin, 'nope')).status).toBe(404);
    expect((await fetch(`${h.url}/widget/files/default/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
  });

  it('has no upload routes unless a directory is configured', async () => {
    h = await startHarness();
    expect(matchRoute(h.web.httpRoutes, 'POST', '/widget/upload')).toBeUndefined();
    expect(matchRoute(h.web.httpRoutes, 'GET', '/widget.js')?.path).toBe('/widget.js');
  });

  it('recognises images by their bytes', () => {
    expect(sniffImageType(PNG)).toBe('image/png');
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.from('GIF89a'))).toBe('image/gif');
    expect(sniffImageType(Buffer.from('<svg></svg>'))).toBeUndefined();
  });
});
