/**
 * Chinese and English UI strings. The language follows the browser (`zh*` → 中文) until the
 * agent picks one, which is remembered.
 */

/** The UI languages. */
export type Locale = 'en' | 'zh';

const en = {
  'app.name': 'Kefu Console',
  'login.title': 'Sign in to the agent console',
  'login.subtitle': 'Answer your customers on every channel, in one place.',
  'login.email': 'Email',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.failed': 'Email or password is not right.',
  'signout': 'Sign out',
  'presence.label': 'Status',
  'presence.online': 'Online',
  'presence.away': 'Away',
  'presence.offline': 'Offline',
  'lists.label': 'Conversation lists',
  'list.queued': 'Queue',
  'list.mine': 'Mine',
  'list.all': 'All',
  'list.empty.queued': 'Nobody is waiting. New chats appear here.',
  'list.empty.mine': 'No conversations assigned to you.',
  'list.empty.all': 'No open conversations.',
  'list.unread': '{n} unread',
  'list.waiting': 'Waiting {t}',
  'list.position': '#{n} in queue',
  'conn.connecting': 'Connecting…',
  'conn.live': 'Live',
  'conn.reconnecting': 'Reconnecting…',
  'conn.offline': 'Disconnected',
  'tabs.label': 'Open conversations',
  'tabs.close': 'Close tab {name}',
  'empty.title': 'Pick a conversation',
  'empty.text': 'Choose one from the queue or your list. Several can stay open at once.',
  'status.bot': 'With bot',
  'status.queued': 'Queued',
  'status.assigned': 'Assigned',
  'status.closed': 'Closed',
  'assigned.to': 'Assigned to {name}',
  'assigned.you': 'Assigned to you',
  'action.accept': 'Accept',
  'action.transfer': 'Transfer',
  'action.close': 'Close',
  'action.back': 'Back',
  'action.customer': 'Customer',
  'history.label': 'Messages',
  'history.loading': 'Loading messages…',
  'history.start': 'Conversation started',
  'typing.customer': '{name} is typing…',
  'composer.label': 'Reply',
  'composer.placeholder': 'Reply to the customer — Enter to send, Shift+Enter for a new line',
  'composer.notePlaceholder': 'Internal note, only agents see it',
  'composer.note': 'Internal note',
  'composer.send': 'Send',
  'composer.sendNote': 'Add note',
  'composer.acceptFirst': 'Accept the conversation to reply.',
  'composer.closed': 'This conversation is closed.',
  'message.note': 'Internal note',
  'message.failed': 'Not delivered',
  'message.pending': 'Sending',
  'message.bot': 'Bot',
  'entry.label': 'Entry',
  'entry.page': 'Page',
  'entry.product': 'Product',
  'entry.order': 'Order',
  'page.product': 'Product page',
  'page.checkout': 'Checkout',
  'page.order': 'Order page',
  'page.help': 'Help centre',
  'page.home': 'Home page',
  'customer.title': 'Customer',
  'customer.identities': 'Channels',
  'customer.tier': 'Tier',
  'customer.tags': 'Tags',
  'customer.noTags': 'No tags',
  'customer.entry': 'Entry page',
  'customer.previous': 'Previous conversations',
  'customer.noPrevious': 'First conversation',
  'customer.anonymous': 'Visitor',
  'customer.since': 'Customer since {d}',
  'tier.vip': 'VIP',
  'tier.normal': 'Standard',
  'tier.partner': 'Partner',
  'transfer.title': 'Transfer conversation',
  'transfer.agent': 'To an agent',
  'transfer.team': 'To a team',
  'transfer.load': '{load}/{capacity} chats',
  'transfer.note': 'Note for the next agent',
  'transfer.notePlaceholder': 'What they should know (only agents see it)',
  'transfer.submit': 'Transfer',
  'transfer.cancel': 'Cancel',
  'transfer.none': 'No other agents or teams.',
  'transfer.full': 'Full',
  'error.generic': 'Something went wrong: {message}',
  'error.KEFU_AGENT_AT_CAPACITY': 'That agent has no free capacity.',
  'error.KEFU_ILLEGAL_TRANSITION': 'The conversation changed meanwhile; the list is up to date now.',
  'error.KEFU_FORBIDDEN': 'You are not allowed to do that.',
  'error.dismiss': 'Dismiss',
  'lang.switch': '中文',
  'lang.label': 'Language',
  'channel.web': 'Web chat',
  'channel.wechat': 'WeChat',
  'channel.email': 'Email',
  'channel.phone': 'Phone',
  'channel.sms': 'SMS',
  'time.now': 'now',
  'card.actions': 'Buttons the customer sees',
} as const;

/** A message key. */
export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  'app.name': '客服工作台',
  'login.title': '登录客服工作台',
  'login.subtitle': '在一个地方回复所有渠道的顾客。',
  'login.email': '邮箱',
  'login.password': '密码',
  'login.submit': '登录',
  'login.busy': '正在登录…',
  'login.failed': '邮箱或密码不正确。',
  'signout': '退出登录',
  'presence.label': '状态',
  'presence.online': '在线',
  'presence.away': '离开',
  'presence.offline': '离线',
  'lists.label': '会话列表',
  'list.queued': '排队中',
  'list.mine': '我的',
  'list.all': '全部',
  'list.empty.queued': '暂无排队顾客，新会话会出现在这里。',
  'list.empty.mine': '暂无分配给你的会话。',
  'list.empty.all': '暂无进行中的会话。',
  'list.unread': '{n} 条未读',
  'list.waiting': '已等待 {t}',
  'list.position': '排队第 {n} 位',
  'conn.connecting': '正在连接…',
  'conn.live': '已连接',
  'conn.reconnecting': '正在重连…',
  'conn.offline': '已断开',
  'tabs.label': '已打开的会话',
  'tabs.close': '关闭 {name}',
  'empty.title': '选择一个会话',
  'empty.text': '从排队列表或我的会话中选择，可同时打开多个会话。',
  'status.bot': '机器人接待中',
  'status.queued': '排队中',
  'status.assigned': '已分配',
  'status.closed': '已结束',
  'assigned.to': '由 {name} 接待',
  'assigned.you': '由你接待',
  'action.accept': '接入',
  'action.transfer': '转接',
  'action.close': '结束',
  'action.back': '返回',
  'action.customer': '顾客',
  'history.label': '消息记录',
  'history.loading': '正在加载消息…',
  'history.start': '会话开始',
  'typing.customer': '{name} 正在输入…',
  'composer.label': '回复',
  'composer.placeholder': '回复顾客 — Enter 发送，Shift+Enter 换行',
  'composer.notePlaceholder': '内部备注，仅客服可见',
  'composer.note': '内部备注',
  'composer.send': '发送',
  'composer.sendNote': '添加备注',
  'composer.acceptFirst': '接入会话后即可回复。',
  'composer.closed': '该会话已结束。',
  'message.note': '内部备注',
  'message.failed': '发送失败',
  'message.pending': '发送中',
  'message.bot': '机器人',
  'entry.label': '来源',
  'entry.page': '页面',
  'entry.product': '商品',
  'entry.order': '订单',
  'page.product': '商品页',
  'page.checkout': '结算页',
  'page.order': '订单页',
  'page.help': '帮助中心',
  'page.home': '首页',
  'customer.title': '顾客信息',
  'customer.identities': '渠道身份',
  'customer.tier': '等级',
  'customer.tags': '标签',
  'customer.noTags': '暂无标签',
  'customer.entry': '进入页面',
  'customer.previous': '历史会话',
  'customer.noPrevious': '首次咨询',
  'customer.anonymous': '访客',
  'customer.since': '{d} 起成为顾客',
  'tier.vip': 'VIP',
  'tier.normal': '普通',
  'tier.partner': '合作伙伴',
  'transfer.title': '转接会话',
  'transfer.agent': '转给客服',
  'transfer.team': '转给团队',
  'transfer.load': '{load}/{capacity} 个会话',
  'transfer.note': '给接手客服的备注',
  'transfer.notePlaceholder': '需要对方知道的信息（仅客服可见）',
  'transfer.submit': '转接',
  'transfer.cancel': '取消',
  'transfer.none': '没有其他客服或团队。',
  'transfer.full': '已满',
  'error.generic': '出错了：{message}',
  'error.KEFU_AGENT_AT_CAPACITY': '该客服已没有空闲接待量。',
  'error.KEFU_ILLEGAL_TRANSITION': '会话状态已变化，列表已更新。',
  'error.KEFU_FORBIDDEN': '你没有执行该操作的权限。',
  'error.dismiss': '关闭',
  'lang.switch': 'English',
  'lang.label': '语言',
  'channel.web': '网页聊天',
  'channel.wechat': '微信',
  'channel.email': '邮件',
  'channel.phone': '电话',
  'channel.sms': '短信',
  'time.now': '刚刚',
  'card.actions': '顾客看到的按钮',
};

const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, zh };

/** The UI language for a browser language tag: any Chinese variant gets Chinese, the rest English. */
export function pickLocale(language: string | undefined | null): Locale {
  return language && /^zh\b/i.test(language) ? 'zh' : 'en';
}

/** A translator bound to one language. */
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Returns the translator of `locale`; `{name}` placeholders are filled from `params`. */
export function translator(locale: Locale): Translate {
  const dict = dictionaries[locale];
  return (key, params) => {
    const text = dict[key] ?? en[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (all, name: string) => (name in params ? String(params[name]) : all)) : text;
  };
}

/** Whether a string is a known message key (error codes map to keys when one exists). */
export function isMessageKey(key: string): key is MessageKey {
  return key in en;
}

/** A waiting time as agents read it: `45s`, `3:05`, `1h 05m`. */
export function formatWait(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}:${String(s % 60).padStart(2, '0')}`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A clock time (today) or a short date, in the UI language. */
export function formatTime(at: number, locale: Locale, now: number): string {
  const d = new Date(at);
  const tag = locale === 'zh' ? 'zh-CN' : 'en-GB';
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay
    ? d.toLocaleTimeString(tag, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(tag, { month: 'short', day: 'numeric' });
}
