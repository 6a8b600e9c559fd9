import type { ConnectionOptions } from 'node:tls';
import type { Author } from '@kefu/core';
import type { ImapFlow, ImapFlowOptions } from 'imapflow';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { SaveAttachment } from './attachments.js';
import type { SignActionUrl } from './outbound-render.js';
import type { EmailTrustOptions } from './trust.js';

/** One address Kefu receives and sends mail as, e.g. `support@shop.example`. */
export interface EmailMailbox {
  /** The address (no display name). Mail to `local+anything@domain` also reaches it. */
  address: string;
  /** Display name of outbound mail, e.g. `Shop Support` / `商城客服`. */
  name?: string;
  /** The tenant of conversations on this mailbox. Default `default`. */
  tenantId?: string;
  /** Poll this mailbox over IMAP (IDLE) in addition to, or instead of, the SMTP receiver. */
  imap?: EmailImapOptions;
}

/** IMAP polling of one mailbox. */
export interface EmailImapOptions {
  host: string;
  /** Default 993 with `secure`, else 143. */
  port?: number;
  /** Implicit TLS. Default true. */
  secure?: boolean;
  auth: { user: string; pass?: string; accessToken?: string };
  /** TLS options (`rejectUnauthorized`, `ca`, ...). */
  tls?: ConnectionOptions;
  /** Folder to read. Default `INBOX`. */
  folder?: string;
  /** What to do with a mail once it is stored: flag it `\Seen` (default) or move it to a folder. */
  afterStore?: 'seen' | { moveTo: string };
  /** A full check runs at least this often, for servers without IDLE. Default 60 000 ms. */
  pollIntervalMs?: number;
  /** Reconnect backoff: doubles from `minMs` up to `maxMs`. Default 1 000 → 60 000 ms. */
  reconnect?: { minMs?: number; maxMs?: number };
  /** Largest mail fetched; bigger ones are skipped (and flagged seen). Default: the adapter's `maxMessageBytes`. */
  maxMessageBytes?: number;
  /** Builds the IMAP client (tests, proxies). Default `new ImapFlow(options)`. */
  createClient?: (options: ImapFlowOptions) => ImapFlow;
}

/** The SMTP receiver (inbound MX or a relay's forward target). */
export interface EmailReceiverOptions {
  /** Default `0.0.0.0`. */
  host?: string;
  /** Default 25. Use 0 for a random port (tests). */
  port?: number;
  /** Host name in the greeting. Default the machine's host name. */
  name?: string;
  /** Offer STARTTLS with this certificate. Without it, STARTTLS is not offered. */
  tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer };
  /** Optional AUTH, for a relay that forwards mail to Kefu. */
  auth?: {
    /** Refuse mail from clients that did not authenticate. Default false. */
    required?: boolean;
    /** User name → password. */
    users?: Record<string, string>;
    /** Your own check; answers true to accept. */
    check?: (user: string, password: string) => boolean | Promise<boolean>;
    /** Allow AUTH without TLS (loopback, tests). Default false. */
    allowInsecure?: boolean;
  };
  /** Most simultaneous client connections. Default 100. */
  maxClients?: number;
}

/** Limits and checks for inbound attachments. */
export interface EmailAttachmentOptions {
  /** Largest accepted attachment. Default 10 MiB. */
  maxBytes?: number;
  /** Accepted content types (`type/*` wildcards allowed). Default {@link DEFAULT_ATTACHMENT_TYPES}. */
  allowedTypes?: string[];
  /** Stores an accepted attachment and answers its URL. Default: a `data:` URL in the message. */
  save?: SaveAttachment;
}

/** Options of {@link createEmailAdapter}. */
export interface EmailAdapterOptions {
  /** The addresses Kefu serves. The first mailbox of a tenant sends mail that starts no thread. */
  mailboxes: EmailMailbox[];
  /** nodemailer SMTP options of the sending relay (pooled by default). */
  smtp?: SMTPTransport.Options & { pool?: boolean; maxConnections?: number; maxMessages?: number };
  /** A ready nodemailer transporter instead of `smtp` (injectable; `stop()` leaves it open). */
  transport?: Transporter;
  /** Run an SMTP receiver. Default: none (IMAP only). */
  receiver?: EmailReceiverOptions;
  /** Largest inbound mail, SMTP `SIZE` and IMAP fetch limit. Default 25 MiB. */
  maxMessageBytes?: number;
  /** When the sender address counts as verified. Default: never (no trusted authserv-id). */
  trust?: EmailTrustOptions;
  /** A reply to a closed conversation reopens it (default) or opens a new one linked to it. */
  onClosed?: 'reopen' | 'new';
  /** Put `[#token]` in outbound subjects so replies from clients that drop headers still thread. Default true. */
  subjectToken?: boolean;
  /** Set `Reply-To: local+token@domain` on outbound mail (the receiving side must accept plus-addresses). Default false. */
  plusAddressing?: boolean;
  /** Domain of generated Message-IDs. Default: the mailbox's domain. */
  messageIdDomain?: string;
  /** Keep remote images in the sanitised HTML shown to agents. Default false. */
  allowRemoteImages?: boolean;
  attachments?: EmailAttachmentOptions;
  /** Signs card postback actions as links (the cards plugin provides it). Without it, postback buttons show as text. */
  signActionUrl?: SignActionUrl;
  /**
   * Refuse (fail with `KEFU_DELIVERY_FAILED`) bot and system mail to a thread whose latest
   * inbound mail was automatic, or to a no-reply address. Agents can still write. Default true.
   */
  suppressAutomaticReplies?: boolean;
  /** Display name of outbound mail by author. Default: the mailbox name (agents: `Agent name (mailbox name)`). */
  fromName?: (author: Author, mailbox: EmailMailbox) => string | undefined;
  /** Subject of mail that starts a thread without one. Default `Message from <mailbox name>`. */
  defaultSubject?: string;
}
