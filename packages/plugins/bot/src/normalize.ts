/**
 * Text normalisation shared by indexing and querying: full-width → half-width (NFKC), lower case,
 * common traditional characters → simplified, punctuation → space. Both sides of a match go
 * through the same function, so a question typed in full-width or traditional script still matches.
 */

// Pairs of traditional → simplified characters (each pair is two characters) that customers
// actually type in shop questions. A full OpenCC table is megabytes; these cover the vocabulary
// of e-commerce service, which is all the matcher needs.
const PAIRS = (
  '們们這这個个麼么貨货發发運运費费號号碼码單单換换買买賣卖價价錢钱問问題题時时間间會会員员優优劵券門门開开關关現现點点還还沒没嗎吗後后裡里裏里寶宝質质與与為为對对說说話话請请謝谢確确認认護护驗验證证帳账戶户裝装褲裤長长寬宽應应該该讓让給给達达' +
  '遞递郵邮區区網网處处預预訂订購购贈赠積积紅红條条東东車车電电線线務务歡欢轉转專专業业稅税額额幾几據据實实際际約约無无樣样顏颜聯联係系繫系萬万億亿辦办機机過过頭头邊边體体錯错壞坏損损廠厂庫库進进遠远陸陆華华灣湾總总從从來来動动態态跡迹蹤踪詢询' +
  '記记錄录齊齐氣气騙骗報报讚赞滿满夠够產产傳传當当經经場场級级權权雙双節节貼贴劃划減减簽签擇择選选舊旧鐘钟錶表鏈链銷销標标準准濟济覺觉壓压擔担負负責责層层極极爛烂惱恼圖图臺台寫写張张紙纸註注冊册銀银貸贷餘余尋寻聽听見见視视頻频補补維维檢检測测' +
  '試试衛卫險险麵面飯饭鞦秋襪袜鏡镜纖纤絲丝綿绵織织縮缩淨净輕轻鬆松緊紧領领戲戏劇剧聖圣誕诞慶庆連连續续殺杀搶抢團团參参禮礼貴贵斷断歸归癢痒'
);

const TO_SIMPLIFIED = new Map<string, string>();
for (let i = 0; i + 1 < PAIRS.length; i += 2) TO_SIMPLIFIED.set(PAIRS[i]!, PAIRS[i + 1]!);

const PUNCT = /[\p{P}\p{S}\s]+/gu;

/** Maps one character through the traditional → simplified table. */
export function toSimplified(text: string): string {
  let out = '';
  for (const ch of text) out += TO_SIMPLIFIED.get(ch) ?? ch;
  return out;
}

/**
 * Normalises a question for matching: NFKC (full-width letters, digits and punctuation become
 * half-width), lower case, traditional → simplified, punctuation and symbols → single spaces.
 * Keeps `.` between digits so `11.11` survives.
 */
export function normalize(text: string): string {
  const nfkc = text.normalize('NFKC').toLowerCase();
  const simplified = toSimplified(nfkc);
  return simplified
    .replace(/(\d)\.(\d)/g, '$1\u0000$2')
    .replace(/[’']/g, '')
    .replace(PUNCT, ' ')
    .replace(/\u0000/g, '.')
    .trim();
}
