import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KefuError } from '@kefu/core';
import { WechatErrorCodes } from './errors.js';

/**
 * The WeChat / WeCom message signature: SHA-1 (hex) of the parts sorted lexicographically and
 * joined. `[token, timestamp, nonce]` for `signature`; add the `Encrypt` value for `msg_signature`.
 */
export function wechatSignature(...parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** Compares two signatures in constant time (hex strings of any case). */
export function signatureEquals(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected.toLowerCase());
  const b = Buffer.from(given.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The AES scheme of WeChat "safe mode" and WeCom callbacks (WXBizMsgCrypt): AES-256-CBC with the
 * key from the 43-character EncodingAESKey, IV = the key's first 16 bytes, PKCS#7 padded to 32
 * bytes. Plaintext = random(16) ‖ uint32 BE length ‖ message ‖ receiver id (AppID or CorpID).
 */
export class WechatCipher {
  readonly #key: Buffer;
  readonly #iv: Buffer;
  readonly receiverId: string;

  constructor(encodingAesKey: string, receiverId: string) {
    const key = Buffer.from(`${encodingAesKey}=`, 'base64');
    if (encodingAesKey.length !== 43 || key.length !== 32) {
      throw new KefuError('KEFU_INVALID_INPUT', 'An EncodingAESKey has 43 characters and decodes to 32 bytes', { details: { length: encodingAesKey.length } });
    }
    this.#key = key;
    this.#iv = key.subarray(0, 16);
    this.receiverId = receiverId;
  }

  /** Encrypts a message (XML or echostr) to the base64 `Encrypt` value. */
  encrypt(message: string, random: Buffer = randomBytes(16)): string {
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length, 0);
    const plain = Buffer.concat([random, length, body, Buffer.from(this.receiverId, 'utf8')]);
    const pad = 32 - (plain.length % 32);
    const cipher = createCipheriv('aes-256-cbc', this.#key, this.#iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
  }

  /**
   * Decrypts an `Encrypt` value and checks the receiver id. Throws
   * `KEFU_WECHAT_DECRYPT_FAILED` or `KEFU_WECHAT_RECEIVER_MISMATCH`.
   */
  decrypt(encrypted: string): string {
    let plain: Buffer;
    try {
      const data = Buffer.from(encrypted, 'base64');
      if (data.length === 0 || data.length % 16 !== 0) throw new Error('ciphertext length is not a multiple of the block size');
      const decipher = createDecipheriv('aes-256-cbc', this.#key, this.#iv);
      decipher.setAutoPadding(false);
      const padded = Buffer.concat([decipher.update(data), decipher.final()]);
      const pad = padded[padded.length - 1]!;
      if (pad < 1 || pad > 32 || pad > padded.length) throw new Error('bad padding');
      plain = padded.subarray(0, padded.length - pad);
    } catch (error) {
      throw new KefuError(WechatErrorCodes.DECRYPT_FAILED, 'The message does not decrypt with this account\'s EncodingAESKey', { cause: error });
    }
    if (plain.length < 20) throw new KefuError(WechatErrorCodes.DECRYPT_FAILED, 'The decrypted message is too short');
    const length = plain.readUInt32BE(16);
    if (20 + length > plain.length) throw new KefuError(WechatErrorCodes.DECRYPT_FAILED, 'The decrypted message length is out of range');
    const message = plain.subarray(20, 20 + length).toString('utf8');
    const receiver = plain.subarray(20 + length).toString('utf8');
    if (receiver !== this.receiverId) {
      throw new KefuError(WechatErrorCodes.RECEIVER_MISMATCH, 'The message was encrypted for another AppID / CorpID', { details: { expected: this.receiverId } });
    }
    return message;
  }
}
