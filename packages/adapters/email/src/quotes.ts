import EmailReplyParser from 'email-reply-parser';

/**
 * Quote headers the reply parser does not know, or only knows on one line: Chinese clients
 * (Foxmail, QQ, NetEase, Outlook zh-CN) and Outlook's header blocks. Everything from the first
 * match on is the quoted original.
 */
const CUT_LINE: RegExp[] = [
  /^\s*-{2,}\s*(原始邮件|原始郵件|Original Message|Ursprüngliche Nachricht|Forwarded message|转发的邮件)\s*-{2,}\s*$/i,
  /^\s*在.{1,200}写道\s*[:：]\s*$/,
  /^\s*於.{1,200}寫道\s*[:：]\s*$/,
  /^\s*_{10,}\s*$/,
  /^\s*(发自我的|来自我的|發自我的)\S*\s*$/,
];
// An Outlook-style header block: From/发件人 followed within a few lines by Sent/Date/发送时间.
const BLOCK_START = /^\s*\*?(发件人|寄件者|From)\*?\s*[:：]/i;
const BLOCK_NEXT = /^\s*\*?(发送时间|寄件日期|日期|时间|Sent|Date|收件人|To)\*?\s*[:：]/i;

function cutAtQuoteHeader(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const joined = i + 1 < lines.length ? `${line} ${lines[i + 1]!.trim()}` : line;
    if (CUT_LINE.some((re) => re.test(line))) return lines.slice(0, i).join('\n');
    // "在 2026年11月11日 10:00，张三 <a@b.cn>\n写道：" wraps in many clients.
    if (/^\s*在/.test(line) && /^\s*在.{1,200}写道\s*[:：]\s*$/.test(joined)) return lines.slice(0, i).join('\n');
    if (BLOCK_START.test(line) && lines.slice(i + 1, i + 5).some((l) => BLOCK_NEXT.test(l))) return lines.slice(0, i).join('\n');
  }
  return text;
}

/**
 * The new text of a reply: quoted originals and signatures removed (English and Chinese quote
 * headers, Outlook header blocks, `>` quotes). Falls back to the full text when stripping would
 * leave nothing, so a message never looks empty to the agent.
 */
export function visibleReplyText(text: string): string {
  const normalized = text.replace(/\r\n?/g, '\n');
  const cut = cutAtQuoteHeader(normalized);
  let visible: string;
  try {
    visible = new EmailReplyParser().read(cut).getVisibleText().trim();
  } catch {
    visible = cut.trim();
  }
  return visible || cut.trim() || normalized.trim();
}
