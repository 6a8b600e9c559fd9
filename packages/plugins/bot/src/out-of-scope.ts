/**
 * Questions a shop bot should not answer, indexed like an entry: when one of them is the best
 * match the decision is `fallback`. Without them an off-topic question (the weather, a joke) still
 * shares a word or two with some entry and can pass the answer threshold.
 */
export const DEFAULT_OUT_OF_SCOPE: readonly string[] = [
  '天气预报', '明天下雨吗', '气温多少度', '今天几月几号', '现在几点了', '明天是什么日子',
  '说个段子', '睡前故事', '来一首歌', '你会做什么', '怎么称呼你', '你几岁了', '你是男的还是女的', '你的爱好是什么', '你觉得我好看吗', '你睡觉吗',
  '今日头条新闻', '股票会涨吗', '比特币价格', '房价会跌吗', '帮我算数学题', '一加一等于几', '帮我写作业', '帮我写代码', '这句英文什么意思', '作一首诗',
  '推荐电影', '推荐一本书', '推荐歌曲', '哪里好玩', '附近有什么餐厅', '菜谱', '怎么减肥', '怎么学英语', '宇宙有多大',
  '怎么去机场', '帮我订酒店', '买火车票', '猫不吃东西', '狗生病了', '失眠怎么办', '人生的意义', '谁赢了比赛', '足球比分',
  'weather today', 'will it rain tomorrow', 'current time', 'what day is it today', 'say something funny', 'tell me a story', 'sing a song',
  'what is your name', 'are you young or old', 'do you like me', 'latest news', 'stock price', 'bitcoin price', 'solve this math problem', 'what is 2 plus 2',
  'help with my homework', 'write some code', 'write a poem', 'translate this', 'recommend a movie', 'recommend a book', 'good restaurants nearby',
  '彩票号码', '推荐旅游景点', '哪种编程语言最好', '房贷怎么算', '今天星期几', '最近有什么新闻', '你喜欢什么颜色', '公司在哪里上市',
  'lottery numbers', 'best programming language', 'hello world program', 'mortgage calculator', 'travel destinations',
  'how to lose weight', 'philosophy question', 'who won the game', 'book a flight', 'book a hotel', 'capital of a country',
  // The same topics as single words: jieba keeps "天气预报" whole, so "今天天气怎么样" shared nothing with it.
  '天气', '笑话', '股票', '新闻', '电影', '游戏', '旅游', '星座', '算命', '考试', '作业', '做菜', '聊天',
];
