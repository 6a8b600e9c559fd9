import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HttpRoute, jsonError } from './http.js';
import { WebErrorCodes } from './errors.js';

/** Options of widget image uploads. */
export interface UploadOptions {
  /** Directory where uploaded files are kept (one sub-folder per tenant). */
  dir: string;
  /** Largest upload in bytes. Default 5 MiB. */
  maxBytes?: number;
  /** Accepted image types (checked on the file's bytes, not only its header). Default png, jpeg, gif, webp. */
  contentTypes?: Array<'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp'>;
}

/** What the upload routes need from the adapter. */
export interface UploadContext {
  publicUrl: string | undefined;
  resolveTenant(tenantId: string): Promise<unknown>;
  originAllowed(origin: string | undefined, host: string | undefined, tenant: never): boolean;
}

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };
const TYPE_OF_EXT: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };
const FILE_NAME = /^[A-Za-z0-9_-]{10,64}\.(png|jpg|gif|webp)$/;

/** The image type of some bytes by their magic number; a renamed script is not an image. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  const at = (i: number) => bytes[i];
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return 'image/png';
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg';
  if (at(0) === 0x47 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x38) return 'image/gif';
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/** Tenant ids become folder names through base64url, so no tenant id can walk out of `dir`. */
const tenantFolder = (tenantId: string) => Buffer.from(tenantId).toString('base64url');

/** The routes `POST /widget/upload` and `GET /widget/files/*`, or none when uploads are off. */
export function createUploadRoutes(options: UploadOptions | false, context: UploadContext): HttpRoute[] {
  if (!options) return [];
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const accepted = new Set<string>(options.contentTypes ?? ['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

  const upload: HttpRoute = {
    method: 'POST',
    path: '/widget/upload',
    async handler(request) {
      const url = new URL(request.url);
      const tenantId = url.searchParams.get('tenant') || 'default';
      const tenant = await context.resolveTenant(tenantId);
      if (!tenant) return jsonError(404, WebErrorCodes.TENANT_UNKNOWN, `Unknown tenant "${tenantId.slice(0, 100)}"`);
      const origin = request.headers.get('origin') ?? undefined;
      const host = request.headers.get('host') ?? url.host;
      if (!context.originAllowed(origin, host, tenant as never)) return jsonError(403, WebErrorCodes.ORIGIN_FORBIDDEN, `Origin ${origin ?? '(none)'} is not allowed`);
      // multipart/form-data is a "simple" CORS request: the widget on a shop's origin needs no preflight.
      const cors = { 'access-control-allow-origin': origin!, vary: 'Origin' };
      const length = Number(request.headers.get('content-length'));
      if (!Number.isFinite(length) || length <= 0) return jsonError(411, WebErrorCodes.UPLOAD_TOO_LARGE, 'Content-Length is required', cors);
      // Multipart framing adds a little; the file itself is checked exactly below.
      if (length > maxBytes + 16 * 1024) return jsonError(413, WebErrorCodes.UPLOAD_TOO_LARGE, `Uploads are limited to ${maxBytes} bytes`, cors);
      let file: FormDataEntryValue | null;
      try {
        file = (await request.formData()).get('file');
      } catch {
        return jsonError(400, 'KEFU_INVALID_INPUT', 'Send the image as multipart/form-data with a "file" field', cors);
      }
      if (!file || typeof file === 'string') return jsonError(400, 'KEFU_INVALID_INPUT', 'Send the image as multipart/form-data with a "file" field', cors);
      if (file.size > maxBytes) return jsonError(413, WebErrorCodes.UPLOAD_TOO_LARGE, `Uploads are limited to ${maxBytes} bytes`, cors);
      const bytes = new Uint8Array(await file.arrayBuffer());
      const type = sniffImageType(bytes);
      if (!type || !accepted.has(type)) return jsonError(415, WebErrorCodes.UPLOAD_TYPE_UNSUPPORTED, `Accepted images: ${[...accepted].join(', ')}`, cors);
      const name = `${randomBytes(12).toString('base64url')}.${EXT[type]}`;
      const folder = join(options.dir, tenantFolder(tenantId));
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, name), bytes);
      const base = context.publicUrl ? context.publicUrl.replace(/\/$/, '') : `${url.protocol}//${host}`;
      const fileUrl = `${base}/widget/files/${encodeURIComponent(tenantId)}/${name}`;
      return new Response(JSON.stringify({ url: fileUrl, mimeType: type, size: bytes.length }), { status: 201, headers: { 'content-type': 'application/json; charset=utf-8', ...cors } });
    },
  };

  const files: HttpRoute = {
    method: 'GET',
    path: '/widget/files/*',
    async handler(request) {
      const parts = new URL(request.url).pathname.split('/').slice(3);
      const [tenantEnc, name] = parts;
      if (parts.length !== 2 || !tenantEnc || !name || !FILE_NAME.test(name)) return jsonError(404, 'KEFU_NOT_FOUND', 'No such file');
      let tenantId: string;
      try {
        tenantId = decodeURIComponent(tenantEnc);
      } catch {
        return jsonError(404, 'KEFU_NOT_FOUND', 'No such file');
      }
      try {
        const bytes = await readFile(join(options.dir, tenantFolder(tenantId), name));
        return new Response(bytes, {
          status: 200,
          headers: {
            'content-type': TYPE_OF_EXT[name.split('.').pop()!]!,
            'x-content-type-options': 'nosniff',
            'content-security-policy': "default-src 'none'; sandbox",
            'cache-control': 'public, max-age=31536000, immutable',
            'cross-origin-resource-policy': 'cross-origin',
          },
        });
      } catch {
        return jsonError(404, 'KEFU_NOT_FOUND', 'No such file');
      }
    },
  };
  return [upload, files];
}
