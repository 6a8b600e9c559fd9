/** The widget's strings. Chinese for `zh*` browsers, English otherwise; every string can be overridden. */
export interface WidgetStrings {
  title: string;
  subtitle: string;
  open: string;
  close: string;
  placeholder: string;
  /** The composer's accessible label (says how Enter works). */
  hint: string;
  send: string;
  attach: string;
  sending: string;
  failed: string;
  retry: string;
  connecting: string;
  reconnecting: string;
  offline: string;
  /** Queue banner: position, and the estimated wait in seconds when the server has one. */
  queue: (position: number, waitSeconds?: number) => string;
  agent: (name: string) => string;
  typing: (name?: string) => string;
  unread: (n: number) => string;
  newMessage: (text: string) => string;
  closed: string;
  uploadFailed: string;
  imageAlt: string;
  empty: string;
  you: string;
  support: string;
  forbidden: string;
  /** Label of the "guess what you want to ask" chips above the composer. */
  guess: string;
}

const zh: WidgetStrings = {
  title: '在线客服',
  subtitle: '我们通常几分钟内回复',
  open: '打开客服聊天',
  close: '关闭聊天',
  placeholder: '输入消息…',
  hint: '输入消息，Enter 发送，Shift+Enter 换行',
  send: '发送',
  attach: '发送图片',
  sending: '发送中…',
  failed: '发送失败',
  retry: '重试',
  connecting: '正在连接…',
  reconnecting: '连接中断，正在重连…',
  offline: '暂时无法连接客服',
  queue: (n, w) => (n <= 1 ? '您是下一位，客服马上接待您' : `正在排队，您前面还有 ${n - 1} 位`) + (w && w >= 60 ? `，预计等待约 ${Math.round(w / 60)} 分钟` : w ? '，预计不到 1 分钟' : ''),
  agent: (name) => `客服 ${name} 正在为您服务`,
  typing: (name) => `${name ?? '客服'} 正在输入…`,
  unread: (n) => `${n} 条未读消息`,
  newMessage: (text) => `新消息：${text}`,
  closed: '本次会话已结束，发送消息可开始新的会话',
  uploadFailed: '图片上传失败',
  imageAlt: '图片',
  empty: '您好！请问有什么可以帮您？',
  you: '我',
  support: '客服',
  forbidden: '此页面无法使用在线客服',
  guess: '猜你想问',
};

const en: WidgetStrings = {
  title: 'Chat with us',
  subtitle: 'We usually reply in a few minutes',
  open: 'Open support chat',
  close: 'Close chat',
  placeholder: 'Type a message…',
  hint: 'Type a message. Enter sends, Shift+Enter adds a new line.',
  send: 'Send',
  attach: 'Send an image',
  sending: 'Sending…',
  failed: 'Not sent',
  retry: 'Retry',
  connecting: 'Connecting…',
  reconnecting: 'Connection lost, reconnecting…',
  offline: 'Support is unreachable right now',
  queue: (n, w) => (n <= 1 ? 'You are next in line' : `You are number ${n} in line`) + (w && w >= 60 ? ` — about ${Math.round(w / 60)} min` : w ? ' — under a minute' : ''),
  agent: (name) => `${name} is helping you`,
  typing: (name) => `${name ?? 'Support'} is typing…`,
  unread: (n) => `${n} unread message${n === 1 ? '' : 's'}`,
  newMessage: (text) => `New message: ${text}`,
  closed: 'This conversation has ended. Send a message to start a new one.',
  uploadFailed: 'The image could not be uploaded',
  imageAlt: 'Image',
  empty: 'Hi! How can we help you today?',
  you: 'You',
  support: 'Support',
  forbidden: 'Chat is not available on this page',
  guess: 'You might ask',
};

/** Picks the strings for a language tag (`zh-CN` → Chinese), with overrides on top. */
export function stringsFor(language: string | undefined, overrides: Partial<WidgetStrings> = {}): WidgetStrings {
  const base = (language ?? '').toLowerCase().startsWith('zh') ? zh : en;
  return { ...base, ...overrides };
}
