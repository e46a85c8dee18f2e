// Turn an uploaded .txt or .html file into plain text, in the browser.

const BLOCKS = 'p,div,li,tr,h1,h2,h3,h4,h5,h6,article,section,blockquote,pre,header,footer';

/** Decode bytes: UTF-8 if valid, else GB18030 (covers GBK/GB2312), else Big5. */
function decode(buffer) {
  for (const enc of ['utf-8', 'gb18030']) {
    try {
      return new TextDecoder(enc, { fatal: true }).decode(buffer);
    } catch { /* try the next encoding */ }
  }
  return new TextDecoder('big5').decode(buffer);
}

/** Visible text of an HTML document, one line per block element. */
export function htmlToText(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  doc.querySelectorAll('script,style,noscript,template,nav').forEach((el) => el.remove());
  doc.querySelectorAll('br').forEach((el) => el.replaceWith('\n'));
  doc.querySelectorAll(BLOCKS).forEach((el) => el.append('\n'));
  return (doc.body ? doc.body.textContent : '')
    .split('\n').map((line) => line.trim()).join('\n')
    .replace(/\n{3,}/g, '\n\n').trim();
}

export async function readFile(file) {
  const text = decode(await file.arrayBuffer()).replace(/^\uFEFF/, '');
  return /\.html?$/i.test(file.name) || file.type === 'text/html' ? htmlToText(text) : text;
}
