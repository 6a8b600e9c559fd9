import { createRequire } from 'node:module';

/** Splits a normalised Chinese run into words. */
export interface Segmenter {
  /** `jieba` when `@node-rs/jieba` loaded, `bigram` for the fallback. */
  readonly kind: 'jieba' | 'bigram';
  cut(run: string): string[];
}

interface JiebaInstance {
  cut(sentence: string, hmm?: boolean): string[];
}

// Shop words the general dictionary splits badly (双十一 → 双十 + 一); appended to jieba's dictionary.
const SHOP_WORDS = [
  '双十一', '双11', '转人工', '人工客服', '真人客服', '七天无理由', '优惠券', '优惠码', '运费险', '取件码', '价保', '保价', '专票', '普票',
  '尾款', '定金', '花呗', '包邮', '免邮', '退钱', '退款', '退货', '换货', '发货', '到货', '补货', '开票', '抬头', '税号', '秒杀', '满减',
  '拼团', '会员日', '小样', '试用装', '礼品卡', '驿站', '快递柜', '顺丰', '签收', '拒收', '拒签', '催发货', '改地址', '收货地址', '尺码表',
  '偏大', '偏小', '色差', '质保', '保修', '正品', '假货', '防伪码', '注销', '换绑', '验证码', '红包雨', '预售', '现货', '缺货', '发错',
  '漏发', '破损', '压坏', '摔坏', '丢件', '包裹', '物流', '快递', '几天', '多久', '多少钱', '垃圾', '骗子', '气死',
]
  .map((w) => `\n${w} 20000 n`)
  .join('');

let shared: Segmenter | undefined;
let loadError: unknown;

/**
 * Character bigrams: the fallback when the jieba binary cannot load (an unsupported platform).
 * Recall stays reasonable because queries and questions are split the same way.
 */
export const bigramSegmenter: Segmenter = {
  kind: 'bigram',
  cut(run) {
    const chars = [...run];
    if (chars.length <= 1) return chars;
    const out: string[] = [];
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
    return out;
  },
};

/**
 * The process-wide segmenter: `@node-rs/jieba` with its bundled dictionary, loaded once (about
 * 100 ms), or character bigrams when the native module is missing. {@link segmenterLoadError}
 * says why the fallback was taken.
 */
export function defaultSegmenter(): Segmenter {
  if (shared) return shared;
  try {
    // Synchronous on purpose: understanding is a synchronous hot path and loads once.
    const require = createRequire(import.meta.url);
    const { Jieba } = require('@node-rs/jieba') as { Jieba: { withDict(dict: Uint8Array): JiebaInstance } };
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    const jieba = Jieba.withDict(Buffer.concat([Buffer.from(dict), Buffer.from(SHOP_WORDS)]));
    shared = { kind: 'jieba', cut: (run) => jieba.cut(run, true) };
  } catch (error) {
    loadError = error;
    shared = bigramSegmenter;
  }
  return shared;
}

/** Why jieba did not load (when {@link defaultSegmenter} fell back to bigrams). */
export function segmenterLoadError(): unknown {
  return loadError;
}
