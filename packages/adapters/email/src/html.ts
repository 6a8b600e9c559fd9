import sanitizeHtml from 'sanitize-html';

/** Options of {@link sanitizeEmailHtml}. */
export interface SanitizeOptions {
  /** Keep `http(s)` images (tracking pixels, remote content). Default false: only `cid:` and `data:` images. */
  allowRemoteImages?: boolean;
}

/**
 * Sanitises mail HTML for display in the agent console: no script, no event handlers, no
 * styles (CSS can load remote content), no forms or frames, and by default no remote images.
 * Links open in a new tab without an opener.
 */
export function sanitizeEmailHtml(html: string, options: SanitizeOptions = {}): string {
  return sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'center', 'font', 'span', 'del', 'ins'],
    allowedAttributes: {
      a: ['href', 'title', 'name', 'target', 'rel'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      td: ['colspan', 'rowspan', 'align', 'valign'],
      th: ['colspan', 'rowspan', 'align', 'valign'],
      table: ['border', 'cellpadding', 'cellspacing', 'width'],
      font: ['color'],
      '*': ['dir', 'lang'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: options.allowRemoteImages ? ['http', 'https', 'cid', 'data'] : ['cid', 'data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' } }),
    },
  });
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
