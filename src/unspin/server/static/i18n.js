// The page's words in Chinese (the default) and English. A message is a string or a function of
// its values; English plurals go through plural(). Static elements name theirs in data-i18n*.

const en1 = new Intl.PluralRules('en');
/** "1 swapped word", "3 swapped words". */
const plural = (n, one, many = `${one}s`) => `${n.toLocaleString('en')} ${en1.select(n) === 'one' ? one : many}`;
const zhNum = (n) => n.toLocaleString('zh-CN');

const MESSAGES = {
  zh: {
    switchTo: 'English',
    tagline: '找出伪原创工具替换的词语，还原原词，追溯原文出处。',
    inputLabel: '待分析文本',
    inputAria: '输入',
    resultsAria: '分析结果',
    placeholder: '粘贴一篇可疑的文章，或打开 .txt / .html 文件…',
    open: '打开 .txt / .html',
    analyze: '分析',
    viewAria: '显示哪个文本',
    showSpun: '伪原创文本',
    showRestored: '还原文本',
    copy: '复制还原文本',
    copied: '已复制 ✓',
    hint: '将鼠标悬停在高亮词语上（手机上点按），查看可能的原词。',
    sources: '可能的来源',
    footer: 'unspin · 全部在本服务器上运行 ·',
    chars: (n) => `${zhNum(n)} 字`,
    label: { spun: '伪原创', natural: '原创' },
    verdictSpun: (p) => `很可能是伪原创：同义词替换工具改写过此文的概率为 ${p}。`,
    verdictNatural: (p) => `很可能是原创：伪原创的概率为 ${p}。`,
    swapped: (n, d) => `找到并还原了 ${zhNum(n)} 处替换${d < n ? `（${zhNum(d)} 组不同的词对）` : ''}。`,
    noSwaps: '没有找到替换词。',
    legendConfidence: '置信度',
    level: { 'c-hi': '高', 'c-mid': '中', 'c-lo': '低' },
    legendRestored: '还原的原词',
    markAria: (spun, orig, p) => `${spun}，可能原为${orig}，置信度 ${p}`,
    analysing: '分析中…',
    analysed: (n, ms) => `已分析 ${zhNum(n)} 字，用时 ${zhNum(ms)} 毫秒。`,
    loaded: (name) => `已打开 ${name}。`,
    noServer: 'unspin 服务器没有响应。',
    indexLoaded: '已加载索引',
    indexDocs: (n) => `索引：${zhNum(n)} 篇文档`,
    alternatives: '其他候选 ',
    noAlternatives: '没有其他候选',
    likelyOriginal: '（可能的原词）',
    spunAs: '（被替换成）',
    confidence: '置信度 ',
    thisText: '本文',
    source: (id) => `来源 ${id}`,
    substitutedHere: '此处被替换',
    sourceWording: '来源的用词',
    substitutions: (list) => `替换：${list}`,
    searching: '正在检索索引…',
    chooseSource: '选择一个来源，逐段对照。',
    noSource: '索引中没有找到来源。',
    matchInfo: (cov, score, n, d) => ` 覆盖 ${cov} · 得分 ${score} · ${zhNum(n)} 处替换${d < n ? `（${zhNum(d)} 组词对）` : ''}`,
    traceFailed: (msg) => `溯源失败：${msg}`,
    errors: {
      empty_input: ['没有可分析的文本。', '请粘贴一篇中文文章，或打开 .txt / .html 文件。'],
      not_chinese: ['这段文本里没有中文。', 'unspin 只分析中文文本：请粘贴一篇中文文章。'],
      bad_input: ['无法分析这段文本。', '请检查文本是否完整，然后重试。'],
      too_large: ['文本太长，超过了服务器的上限。', '请分段粘贴；大批文本请用命令行 unspin scan。'],
      timeout: ['分析超时。', '请缩短文本后重试。'],
      busy: ['服务器正忙。', '请过几秒钟再试。'],
      network: ['连接不上 unspin 服务器。', '请确认服务器仍在运行，然后重试。'],
      no_index: ['服务器没有加载索引。', '请用 unspin serve --index 目录 重新启动服务器。'],
      other: ['分析失败。', '请重试；如果问题仍然存在，请联系服务器管理员。'],
    },
    listSep: '，',
  },
  en: {
    switchTo: '中文',
    tagline: 'Find the words a 伪原创 spinner swapped, put the originals back, find the source.',
    inputLabel: 'Text to analyse',
    inputAria: 'Input',
    resultsAria: 'Analysis',
    placeholder: 'Paste a suspicious Chinese article, or open a .txt / .html file…',
    open: 'Open .txt / .html',
    analyze: 'Analyze',
    viewAria: 'Which text to show',
    showSpun: 'Spun text',
    showRestored: 'Restored text',
    copy: 'Copy restored text',
    copied: 'Copied ✓',
    hint: 'Hover or tap a highlighted word to see its likely original.',
    sources: 'Likely sources',
    footer: 'unspin · runs entirely on this server ·',
    chars: (n) => plural(n, 'character'),
    label: { spun: 'spun', natural: 'natural' },
    verdictSpun: (p) => `Likely spun: ${p} probability that a synonym spinner rewrote this text.`,
    verdictNatural: (p) => `Likely natural: ${p} probability of spinning.`,
    swapped: (n, d) => `${plural(n, 'swap')}${d < n ? ` (${plural(d, 'distinct pair')})` : ''} found and restored.`,
    noSwaps: 'No swapped words found.',
    legendConfidence: 'confidence',
    level: { 'c-hi': 'high', 'c-mid': 'medium', 'c-lo': 'low' },
    legendRestored: 'restored original',
    markAria: (spun, orig, p) => `${spun}, likely ${orig}, confidence ${p}`,
    analysing: 'Analysing…',
    analysed: (n, ms) => `Analysed ${plural(n, 'character')} in ${ms.toLocaleString('en')} ms.`,
    loaded: (name) => `Loaded ${name}.`,
    noServer: 'The unspin server does not answer.',
    indexLoaded: 'index loaded',
    indexDocs: (n) => `index: ${plural(n, 'document')}`,
    alternatives: 'alternatives ',
    noAlternatives: 'no alternatives',
    likelyOriginal: '  (likely original)',
    spunAs: '  (spun as)',
    confidence: 'confidence ',
    thisText: 'This text',
    source: (id) => `Source ${id}`,
    substitutedHere: 'substituted here',
    sourceWording: 'source wording',
    substitutions: (list) => `Substitutions: ${list}`,
    searching: 'Searching the index…',
    chooseSource: 'Choose a source to compare it side by side.',
    noSource: 'No source found in the index.',
    matchInfo: (cov, score, n, d) => ` covers ${cov} · score ${score} · ${plural(n, 'swap')}${d < n ? ` (${plural(d, 'distinct pair')})` : ''}`,
    traceFailed: (msg) => `Trace failed: ${msg}`,
    errors: {
      empty_input: ['There is no text to analyse.', 'Paste a Chinese article, or open a .txt / .html file.'],
      not_chinese: ['This text has no Chinese in it.', 'unspin analyses Chinese text: paste a Chinese article.'],
      bad_input: ['This text cannot be analysed.', 'Check that the text is complete and try again.'],
      too_large: ['The text is over the server\'s size limit.', 'Paste it in parts; for many texts use unspin scan on the command line.'],
      timeout: ['The analysis took too long.', 'Try a shorter text.'],
      busy: ['The server is busy.', 'Try again in a few seconds.'],
      network: ['The unspin server cannot be reached.', 'Check that the server is still running, then try again.'],
      no_index: ['The server has no index loaded.', 'Restart it with unspin serve --index DIR.'],
      other: ['The analysis failed.', 'Try again; if it keeps failing, tell the server\'s administrator.'],
    },
    listSep: ', ',
  },
};

export const LANGS = Object.keys(MESSAGES);
const stored = () => { try { return localStorage.getItem('unspin.lang'); } catch { return null; } };
let lang = LANGS.includes(stored()) ? stored() : 'zh';
const listeners = [];

export const currentLang = () => lang;

/** The message `key` in the current language, called with `args` when it is a function. */
export function t(key, ...args) {
  const m = MESSAGES[lang][key];
  return typeof m === 'function' ? m(...args) : m;
}

/** `[message, what to do]` for an API error (dom.js `api`), in the page's language: never the server's
 * English (or command-line) wording.  Unknown codes get the generic message. */
export function errorText(err) {
  const table = MESSAGES[lang].errors;
  return table[err && err.code] || table.other;
}

/** Fill the static elements: data-i18n (text), data-i18n-placeholder, data-i18n-aria-label. */
function applyStatic() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const [attr, set] of [['i18n', (el, v) => { el.textContent = v; }],
    ['i18nPlaceholder', (el, v) => { el.placeholder = v; }],
    ['i18nAriaLabel', (el, v) => { el.setAttribute('aria-label', v); }]]) {
    const sel = `[data-${attr.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`;
    document.querySelectorAll(sel).forEach((el) => set(el, t(el.dataset[attr])));
  }
}

/** Switch language, remember it, redraw static text and tell every `onLanguage` listener. */
export function setLang(next) {
  lang = next;
  try { localStorage.setItem('unspin.lang', next); } catch { /* private mode: not remembered */ }
  applyStatic();
  listeners.forEach((fn) => fn());
}

/** Run `fn` after every language switch (to redraw dynamic text). */
export const onLanguage = (fn) => listeners.push(fn);

applyStatic();
