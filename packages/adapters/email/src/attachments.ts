/** An attachment of an inbound mail, after the size and type checks. */
export interface InboundAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
  /** The Kefu message's external id, to group stored files. */
  messageExternalId: string;
}

/** Stores an accepted attachment and answers the URL the message part points to. */
export type SaveAttachment = (attachment: InboundAttachment) => Promise<string>;

/** Default: a `data:` URL, so nothing else is needed to view it. Use object storage in production. */
export const dataUrlAttachment: SaveAttachment = async (a) => `data:${a.contentType};base64,${a.content.toString('base64')}`;

/** Content types accepted by default. */
export const DEFAULT_ATTACHMENT_TYPES: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/heic',
  'image/bmp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/zip',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.*',
  'audio/*',
  'video/mp4',
];

// Executable and script types are refused whatever content type the sender claims.
const DANGEROUS_EXTENSION = /\.(exe|com|bat|cmd|scr|pif|msi|msp|dll|cpl|jar|js|jse|vbs|vbe|wsf|wsh|hta|ps1|psm1|sh|lnk|iso|img|reg|apk)$/i;

function typeAllowed(type: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => (a.endsWith('*') ? type.startsWith(a.slice(0, -1)) : type === a));
}

// Magic numbers of types where a mismatch means the claimed type lies.
const MAGIC: Array<[string, (b: Buffer) => boolean]> = [
  ['image/png', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  ['image/webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
  ['application/pdf', (b) => b.subarray(0, 5).toString('latin1') === '%PDF-'],
];

/** Why an attachment was refused, or undefined when it is accepted. */
export function checkAttachment(a: { filename: string; contentType: string; content: Buffer }, limits: { maxBytes: number; allowedTypes: readonly string[] }): string | undefined {
  if (a.content.length > limits.maxBytes) return `larger than ${limits.maxBytes} bytes`;
  if (DANGEROUS_EXTENSION.test(a.filename)) return 'executable file type';
  const type = a.contentType.toLowerCase();
  if (!typeAllowed(type, limits.allowedTypes)) return `content type ${type} not allowed`;
  const magic = MAGIC.find(([t]) => t === type);
  if (magic && !magic[1](a.content)) return `content does not match ${type}`;
  return undefined;
}
