import { KefuError } from '@kefu/core';
import { PhoneErrorCodes } from './errors.js';

/** A caller language of the IVR, as a BCP-47 tag (`zh-CN`, `en-US`, ...). */
export type IvrLanguage = string;

/** Text in every language of the IVR: `{ 'zh-CN': '…', 'en-US': '…' }`. */
export type LocalizedText = Record<IvrLanguage, string>;

/** What happens when the caller picks an option (or a menu runs out of attempts). */
export type IvrAction =
  /** Play another menu. */
  | { type: 'menu'; menu: string }
  /**
   * Connect to a human: the router picks the agent (`app.conversations.handoff`) by team and
   * skills; the agent's phone is dialled or the caller waits in the queue.
   */
  | { type: 'agent'; teamId?: string; skills?: string[]; priority?: number; reason?: string; intent?: string }
  /**
   * A bot intent. `order-status` is built in (reads the caller's orders from the commerce
   * service); other names are looked up in the adapter's `intents` option. `then` is the menu
   * played afterwards (default: the menu the option belongs to).
   */
  | { type: 'intent'; intent: string; then?: string }
  /** Record a voicemail (with transcription); the conversation is queued for agents. */
  | { type: 'voicemail' }
  /** Register a call-back request: a queued conversation tagged `callback` and a scheduled job. */
  | { type: 'callback' }
  /** Say something, then play `then` (a menu) or hang up. */
  | { type: 'say'; text: LocalizedText; then?: string }
  /** Switch the caller's language, then play `menu` (default: the start menu). */
  | { type: 'language'; language: IvrLanguage; menu?: string }
  /** Say goodbye and hang up. */
  | { type: 'hangup' };

/** One choice of a menu. */
export interface IvrOption {
  /** The DTMF key: `0`–`9` or `*` (`#` ends input and cannot be an option). */
  key: string;
  /** Words that pick this option by speech, per language; they are also sent as `hints`. */
  speech?: Record<IvrLanguage, string[]>;
  action: IvrAction;
}

/** A menu: a prompt, a Gather, and the options it accepts. */
export interface IvrMenu {
  /** What is said while gathering, in every language (it should name the options). */
  prompt: LocalizedText;
  /** Inputs accepted. Default both `dtmf` and `speech`. */
  input?: Array<'dtmf' | 'speech'>;
  /** Seconds of silence before the menu counts as unanswered. Default 5. */
  timeoutSeconds?: number;
  /** Times the menu is played before `onNoInput` runs. Default 3. */
  maxAttempts?: number;
  options: IvrOption[];
  /** What happens after `maxAttempts` without a valid choice. Default: connect to an agent. */
  onNoInput?: IvrAction;
}

/** One opening window: on `days`, from `open` to `close` (local `HH:MM`, close exclusive). */
export interface OpeningWindow {
  days: Array<'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat'>;
  open: string;
  close: string;
}

/** When humans answer the phone. Outside these hours "agent" choices lead to voicemail / call-back. */
export interface BusinessHours {
  /** IANA time zone, e.g. `Asia/Shanghai`. */
  timeZone: string;
  windows: OpeningWindow[];
  /** Local dates (`YYYY-MM-DD`) with no service (holidays). */
  closedDates?: string[];
}

/** Voice settings of one language. */
export interface IvrVoice {
  /** `<Say voice>`, e.g. `Polly.Zhiyu`, `Polly.Joanna`. */
  voice?: string;
  /** `<Say language>`, e.g. `cmn-CN`, `en-US`. */
  sayLanguage?: string;
  /** `<Gather language>` for speech recognition, e.g. `cmn-Hans-CN`, `en-US`. */
  gatherLanguage?: string;
}

/** The fixed prompts the adapter speaks outside menus. Placeholders: `{position}`, `{orderId}`, `{status}`. */
export interface IvrMessages {
  noInput: LocalizedText;
  invalidChoice: LocalizedText;
  connecting: LocalizedText;
  queued: LocalizedText;
  queuePosition: LocalizedText;
  afterHours: LocalizedText;
  /** The prompt of the built-in "leave a message" menu: 1 voicemail, 2 call-back. */
  leaveMessage: LocalizedText;
  voicemail: LocalizedText;
  voicemailThanks: LocalizedText;
  callbackConfirmed: LocalizedText;
  agentUnavailable: LocalizedText;
  orderPrompt: LocalizedText;
  orderStatus: LocalizedText;
  orderNotFound: LocalizedText;
  goodbye: LocalizedText;
}

/** The queue a caller waits in when no agent is free. */
export interface IvrQueueSettings {
  /** After this many seconds the caller is offered voicemail or a call-back. Default 300. */
  maxWaitSeconds?: number;
  /** Hold music played between position announcements. Default: a pause. */
  holdMusicUrl?: string;
  /** Seconds of pause between announcements when there is no hold music. Default 15. */
  announceEverySeconds?: number;
}

/**
 * An IVR, as data. Validated when the adapter is created ({@link validateIvr}).
 *
 * @example
 * const ivr: IvrDefinition = {
 *   languages: ['zh-CN', 'en-US'],
 *   defaultLanguage: 'zh-CN',
 *   start: 'main',
 *   menus: {
 *     main: {
 *       prompt: { 'zh-CN': '查询订单请按1，售后服务请按2，人工客服请按0。', 'en-US': 'For order status press 1, after-sales press 2, an agent press 0.' },
 *       options: [
 *         { key: '1', speech: { 'zh-CN': ['订单'], 'en-US': ['order'] }, action: { type: 'intent', intent: 'order-status' } },
 *         { key: '2', speech: { 'zh-CN': ['售后'], 'en-US': ['after sales', 'return'] }, action: { type: 'agent', teamId: 'after-sales', skills: ['returns'] } },
 *         { key: '0', speech: { 'zh-CN': ['人工'], 'en-US': ['agent'] }, action: { type: 'agent' } },
 *       ],
 *     },
 *   },
 * }
 */
export interface IvrDefinition {
  languages: IvrLanguage[];
  defaultLanguage: IvrLanguage;
  /** The menu played when a call comes in. */
  start: string;
  menus: Record<string, IvrMenu>;
  voices?: Record<IvrLanguage, IvrVoice>;
  /** Overrides of the built-in prompts (zh-CN and en-US are built in; other languages must give all). */
  messages?: Partial<IvrMessages>;
  businessHours?: BusinessHours;
  queue?: IvrQueueSettings;
  /** Speech results below this confidence (0–1) count as not understood. Default 0.3. */
  minSpeechConfidence?: number;
}

/** Built-in voices for the two languages Kefu ships prompts for. */
export const defaultVoices: Record<string, IvrVoice> = {
  'zh-CN': { voice: 'Polly.Zhiyu', sayLanguage: 'cmn-CN', gatherLanguage: 'cmn-Hans-CN' },
  'en-US': { voice: 'Polly.Joanna', sayLanguage: 'en-US', gatherLanguage: 'en-US' },
};

/** Built-in prompts in Chinese and English. */
export const defaultMessages: IvrMessages = {
  noInput: { 'zh-CN': '抱歉，没有听到您的选择。', 'en-US': "Sorry, I didn't get that." },
  invalidChoice: { 'zh-CN': '抱歉，这不是有效的选项。', 'en-US': 'Sorry, that is not a valid choice.' },
  connecting: { 'zh-CN': '正在为您转接客服，请稍候。', 'en-US': 'Connecting you to an agent, please hold.' },
  queued: { 'zh-CN': '客服正忙，请稍候，我们会尽快为您接通。', 'en-US': 'All our agents are busy. Please hold and we will be with you shortly.' },
  queuePosition: { 'zh-CN': '您现在排在第 {position} 位。', 'en-US': 'You are number {position} in line.' },
  afterHours: { 'zh-CN': '现在是非工作时间。', 'en-US': 'Our service desk is closed right now.' },
  leaveMessage: { 'zh-CN': '留言请按1，预约回电请按2。', 'en-US': 'To leave a voicemail press 1. To request a call back press 2.' },
  voicemail: { 'zh-CN': '请在提示音后留言，完成后请按井号键。', 'en-US': 'Please leave a message after the beep. Press the pound key when you are done.' },
  voicemailThanks: { 'zh-CN': '已收到您的留言，谢谢，再见。', 'en-US': 'Thank you, we received your message. Goodbye.' },
  callbackConfirmed: { 'zh-CN': '已为您预约回电，我们会尽快拨打这个号码联系您，再见。', 'en-US': 'Thank you. We will call you back at this number as soon as we can. Goodbye.' },
  agentUnavailable: { 'zh-CN': '抱歉，客服暂时无法接听。', 'en-US': 'Sorry, the agent could not take your call.' },
  orderPrompt: { 'zh-CN': '请输入您的订单号，以井号键结束。', 'en-US': 'Please enter your order number, followed by the pound key.' },
  orderStatus: { 'zh-CN': '您的订单 {orderId} 当前状态：{status}。', 'en-US': 'Your order {orderId} is {status}.' },
  orderNotFound: { 'zh-CN': '抱歉，没有找到相关订单。', 'en-US': 'Sorry, we could not find that order.' },
  goodbye: { 'zh-CN': '感谢您的来电，再见。', 'en-US': 'Thank you for calling. Goodbye.' },
};

/** The IVR after validation, with defaults filled in. */
export interface ResolvedIvr extends IvrDefinition {
  voices: Record<IvrLanguage, IvrVoice>;
  messages: IvrMessages;
  minSpeechConfidence: number;
  queue: Required<Omit<IvrQueueSettings, 'holdMusicUrl'>> & Pick<IvrQueueSettings, 'holdMusicUrl'>;
}

/** The id of the built-in "leave a message" menu (1 voicemail, 2 call-back). */
export const LEAVE_MESSAGE_MENU = '__leave_message';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/**
 * Checks an IVR definition and fills in defaults. Throws `KEFU_PHONE_IVR_INVALID` listing every
 * problem (unknown menus, duplicate keys, missing translations, unknown intents, bad hours).
 *
 * @param knownIntents Intent names the adapter can run besides the built-in `order-status`.
 */
export function validateIvr(ivr: IvrDefinition, knownIntents: readonly string[] = []): ResolvedIvr {
  const problems: string[] = [];
  if (!ivr || typeof ivr !== 'object') throw new KefuError(PhoneErrorCodes.IVR_INVALID, 'The IVR definition must be an object', { details: { problems: ['not an object'] } });
  const languages = Array.isArray(ivr.languages) ? ivr.languages : [];
  if (languages.length === 0) problems.push('languages must list at least one language');
  if (!languages.includes(ivr.defaultLanguage)) problems.push(`defaultLanguage "${ivr.defaultLanguage}" is not in languages`);
  const menus = ivr.menus && typeof ivr.menus === 'object' ? ivr.menus : {};
  if (!menus[ivr.start]) problems.push(`start menu "${ivr.start}" does not exist`);
  if (menus[LEAVE_MESSAGE_MENU]) problems.push(`menu id "${LEAVE_MESSAGE_MENU}" is reserved`);

  const checkText = (text: unknown, where: string) => {
    if (!text || typeof text !== 'object') {
      problems.push(`${where} must be an object of texts by language`);
      return;
    }
    for (const lang of languages) {
      const t = (text as Record<string, unknown>)[lang];
      if (typeof t !== 'string' || t.trim() === '') problems.push(`${where} has no ${lang} text`);
    }
  };
  const menuExists = (id: string | undefined) => id === undefined || id === LEAVE_MESSAGE_MENU || Boolean(menus[id]);
  const checkAction = (action: IvrAction | undefined, where: string) => {
    if (!action || typeof action !== 'object') {
      problems.push(`${where} has no action`);
      return;
    }
    switch (action.type) {
      case 'menu':
        if (!menus[action.menu]) problems.push(`${where} goes to unknown menu "${action.menu}"`);
        break;
      case 'agent':
        if (action.teamId !== undefined && (typeof action.teamId !== 'string' || !action.teamId)) problems.push(`${where}: teamId must be a non-empty string`);
        if (action.skills !== undefined && (!Array.isArray(action.skills) || action.skills.some((s) => typeof s !== 'string' || !s))) problems.push(`${where}: skills must be non-empty strings`);
        if (action.priority !== undefined && !Number.isFinite(action.priority)) problems.push(`${where}: priority must be a number`);
        break;
      case 'intent':
        if (typeof action.intent !== 'string' || !action.intent) problems.push(`${where}: intent must be a non-empty string`);
        else if (action.intent !== 'order-status' && !knownIntents.includes(action.intent)) problems.push(`${where}: unknown intent "${action.intent}" (built in: order-status; add others with the intents option)`);
        if (!menuExists(action.then)) problems.push(`${where}: then goes to unknown menu "${action.then}"`);
        break;
      case 'say':
        checkText(action.text, `${where} text`);
        if (!menuExists(action.then)) problems.push(`${where}: then goes to unknown menu "${action.then}"`);
        break;
      case 'language':
        if (!languages.includes(action.language)) problems.push(`${where}: language "${action.language}" is not in languages`);
        if (!menuExists(action.menu)) problems.push(`${where}: goes to unknown menu "${action.menu}"`);
        break;
      case 'voicemail':
      case 'callback':
      case 'hangup':
        break;
      default:
        problems.push(`${where} has an unknown action type "${(action as { type?: unknown }).type}"`);
    }
  };

  for (const [id, menu] of Object.entries(menus)) {
    const where = `menu "${id}"`;
    if (!menu || typeof menu !== 'object') {
      problems.push(`${where} must be an object`);
      continue;
    }
    checkText(menu.prompt, `${where} prompt`);
    if (menu.input !== undefined && (!Array.isArray(menu.input) || menu.input.length === 0 || menu.input.some((i) => i !== 'dtmf' && i !== 'speech'))) problems.push(`${where}: input must be a non-empty list of "dtmf" and "speech"`);
    if (menu.timeoutSeconds !== undefined && !(Number.isInteger(menu.timeoutSeconds) && menu.timeoutSeconds >= 1 && menu.timeoutSeconds <= 60)) problems.push(`${where}: timeoutSeconds must be an integer 1–60`);
    if (menu.maxAttempts !== undefined && !(Number.isInteger(menu.maxAttempts) && menu.maxAttempts >= 1 && menu.maxAttempts <= 10)) problems.push(`${where}: maxAttempts must be an integer 1–10`);
    if (!Array.isArray(menu.options) || menu.options.length === 0) problems.push(`${where} has no options`);
    const keys = new Set<string>();
    for (const [i, option] of (Array.isArray(menu.options) ? menu.options : []).entries()) {
      const at = `${where} option ${i + 1}`;
      if (typeof option?.key !== 'string' || !/^[0-9*]$/.test(option.key)) problems.push(`${at}: key must be one of 0-9 or * (got ${JSON.stringify(option?.key)})`);
      else if (keys.has(option.key)) problems.push(`${where}: key "${option.key}" is used twice`);
      else keys.add(option.key);
      if (option?.speech !== undefined) {
        for (const [lang, words] of Object.entries(option.speech)) {
          if (!languages.includes(lang)) problems.push(`${at}: speech language "${lang}" is not in languages`);
          if (!Array.isArray(words) || words.some((w) => typeof w !== 'string' || !w.trim())) problems.push(`${at}: speech.${lang} must be non-empty strings`);
        }
      }
      checkAction(option?.action, at);
    }
    if (menu.onNoInput !== undefined) checkAction(menu.onNoInput, `${where} onNoInput`);
  }

  const voices: Record<string, IvrVoice> = {};
  for (const lang of languages) {
    const v = { ...defaultVoices[lang], ...ivr.voices?.[lang] };
    if (!v.sayLanguage) problems.push(`voices.${lang}.sayLanguage is required (no built-in voice for ${lang})`);
    voices[lang] = v;
  }
  const messages = { ...defaultMessages } as IvrMessages;
  for (const name of Object.keys(defaultMessages) as Array<keyof IvrMessages>) {
    const override = ivr.messages?.[name];
    messages[name] = { ...defaultMessages[name], ...override };
    checkText(messages[name], `messages.${name}`);
  }

  if (ivr.businessHours !== undefined) {
    const bh = ivr.businessHours;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: bh.timeZone });
    } catch {
      problems.push(`businessHours.timeZone "${bh?.timeZone}" is not a valid IANA time zone`);
    }
    if (!Array.isArray(bh.windows) || bh.windows.length === 0) problems.push('businessHours.windows must list at least one window');
    for (const [i, w] of (Array.isArray(bh.windows) ? bh.windows : []).entries()) {
      if (!Array.isArray(w.days) || w.days.length === 0 || w.days.some((d) => !DAYS.includes(d))) problems.push(`businessHours.windows[${i}].days must be names among ${DAYS.join(', ')}`);
      if (!HHMM.test(w.open ?? '') || !HHMM.test(w.close ?? '')) problems.push(`businessHours.windows[${i}] open/close must be HH:MM`);
      else if (w.open >= w.close) problems.push(`businessHours.windows[${i}] must open before it closes`);
    }
    for (const d of bh.closedDates ?? []) if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) problems.push(`businessHours.closedDates "${d}" must be YYYY-MM-DD`);
  }
  const q = ivr.queue ?? {};
  if (q.maxWaitSeconds !== undefined && !(Number.isInteger(q.maxWaitSeconds) && q.maxWaitSeconds > 0)) problems.push('queue.maxWaitSeconds must be a positive integer');
  if (q.announceEverySeconds !== undefined && !(Number.isInteger(q.announceEverySeconds) && q.announceEverySeconds > 0)) problems.push('queue.announceEverySeconds must be a positive integer');
  if (q.holdMusicUrl !== undefined && !/^https?:\/\//.test(q.holdMusicUrl)) problems.push('queue.holdMusicUrl must be an http(s) URL');
  const minSpeechConfidence = ivr.minSpeechConfidence ?? 0.3;
  if (!(minSpeechConfidence >= 0 && minSpeechConfidence <= 1)) problems.push('minSpeechConfidence must be between 0 and 1');

  if (problems.length > 0) {
    throw new KefuError(PhoneErrorCodes.IVR_INVALID, `Invalid IVR definition: ${problems.join('; ')}`, { details: { problems } });
  }
  return {
    ...ivr,
    voices,
    messages,
    minSpeechConfidence,
    queue: { maxWaitSeconds: q.maxWaitSeconds ?? 300, announceEverySeconds: q.announceEverySeconds ?? 15, ...(q.holdMusicUrl ? { holdMusicUrl: q.holdMusicUrl } : {}) },
  };
}

/** The built-in menu offered after hours, after the wait limit, or when the agent did not answer. */
export function leaveMessageMenu(ivr: ResolvedIvr): IvrMenu {
  return {
    prompt: ivr.messages.leaveMessage,
    maxAttempts: 2,
    options: [
      { key: '1', speech: speechFor(ivr, { 'zh-CN': ['留言'], 'en-US': ['voicemail', 'message'] }), action: { type: 'voicemail' } },
      { key: '2', speech: speechFor(ivr, { 'zh-CN': ['回电', '回拨'], 'en-US': ['call back', 'callback'] }), action: { type: 'callback' } },
    ],
    onNoInput: { type: 'hangup' },
  };
}

function speechFor(ivr: ResolvedIvr, words: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(words).filter(([lang]) => ivr.languages.includes(lang)));
}

/** The menu with this id, including the built-in leave-message menu. */
export function findMenu(ivr: ResolvedIvr, id: string): IvrMenu | undefined {
  return id === LEAVE_MESSAGE_MENU ? leaveMessageMenu(ivr) : ivr.menus[id];
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (values[name] === undefined ? m : String(values[name])));
}

const DIGIT_WORDS: Record<string, string[]> = {
  '0': ['zero', '零'],
  '1': ['one', '一', '幺'],
  '2': ['two', '二', '两'],
  '3': ['three', '三'],
  '4': ['four', '四'],
  '5': ['five', '五'],
  '6': ['six', '六'],
  '7': ['seven', '七'],
  '8': ['eight', '八'],
  '9': ['nine', '九'],
};

function normalizeSpeech(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Picks the option a speech result names: one of its phrases (in the caller's language first,
 * then any), or its key said as a digit or number word ("one", "一").
 */
export function matchSpeech(menu: IvrMenu, speech: string, language: string): IvrOption | undefined {
  const said = normalizeSpeech(speech);
  if (!said) return undefined;
  const compact = said.replace(/ /g, '');
  const hit = (phrase: string) => {
    const p = normalizeSpeech(phrase);
    return p !== '' && (said.includes(p) || compact.includes(p.replace(/ /g, '')));
  };
  for (const pass of ['own', 'any'] as const) {
    for (const option of menu.options) {
      const lists = pass === 'own' ? [option.speech?.[language] ?? []] : Object.values(option.speech ?? {});
      if (lists.some((words) => words.some(hit))) return option;
    }
  }
  const tokens = said.split(' ');
  for (const option of menu.options) {
    const words = DIGIT_WORDS[option.key] ?? [];
    if (tokens.includes(option.key) || tokens.some((t) => words.includes(t)) || (compact.length <= 2 && words.some((w) => compact === w || compact === `${w}号`))) return option;
  }
  return undefined;
}

/** The Gather `hints` of a menu in a language: its speech phrases, comma-separated. */
export function hintsFor(menu: IvrMenu, language: string): string | undefined {
  const words = menu.options.flatMap((o) => o.speech?.[language] ?? []);
  return words.length ? words.join(', ') : undefined;
}

// Business hours

interface LocalTime {
  day: (typeof DAYS)[number];
  date: string;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localTime(timeZone: string, at: number): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return {
    day: String(parts.weekday).slice(0, 3).toLowerCase() as LocalTime['day'],
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when `at` falls inside an opening window (and not on a closed date). */
export function isOpen(hours: BusinessHours, at: number): boolean {
  const t = localTime(hours.timeZone, at);
  if (hours.closedDates?.includes(t.date)) return false;
  return hours.windows.some((w) => w.days.includes(t.day) && t.minutes >= toMinutes(w.open) && t.minutes < toMinutes(w.close));
}

/** The next time (ms) the desk opens at or after `at`, searching two weeks ahead; `at` itself when open. */
export function nextOpening(hours: BusinessHours, at: number): number | undefined {
  if (isOpen(hours, at)) return at;
  const minute = 60_000;
  const start = Math.ceil(at / minute) * minute;
  // Coarse 15-minute steps, then back up minute by minute to the exact opening.
  for (let t = start; t < start + 14 * 24 * 60 * minute; t += 15 * minute) {
    if (isOpen(hours, t)) {
      let first = t;
      while (first - minute >= start && isOpen(hours, first - minute)) first -= minute;
      return first;
    }
  }
  return undefined;
}
