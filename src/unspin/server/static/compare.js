// Sources list and the aligned side-by-side view (shown only when an index is loaded).
import { alignRows, clip, diffPair } from './align.js';
import { api, byId, h, pct } from './dom.js';
import { errorText, t } from './i18n.js';

// The last search, kept to redraw it in another language: {query, matches, active, status}.
let last = null;

function cell(parts, side) {
  const label = side === 'q' ? t('thisText') : t('source', '').trim(); // the phone layout's column heading
  return h('div', { class: `cell ${side}`, lang: 'zh', dataset: { label } },
    parts.map((p) => (p.pair === null
      ? p.text
      : h('mark', { class: 'sub', dataset: { pair: p.pair }, title: t(side === 'q' ? 'substitutedHere' : 'sourceWording') }, p.text))));
}

function renderRows(query, source, match) {
  const rows = alignRows(query, source, match.passages);
  let base = 0;
  return rows.map((row) => {
    if (!row.aligned) {
      const plain = (text) => [{ text: clip(text.trim()), pair: null }];
      return h('div', { class: 'crow gap' }, cell(plain(row.q), 'q'), cell(plain(row.s), 's'));
    }
    const { left, right } = diffPair(row.q.trim(), row.s.trim(), match.substitutions);
    // pair numbers restart per row: offset them so hovering links only this row's pair
    const shift = (parts) => parts.map((p) => ({ ...p, pair: p.pair === null ? null : p.pair + base }));
    const out = h('div', { class: 'crow' }, cell(shift(left), 'q'), cell(shift(right), 's'));
    base += left.length + right.length;
    return out;
  });
}

function linkPairs(box) {
  const toggle = (ev, on) => {
    const m = ev.target.closest('mark.sub');
    if (!m) return;
    box.querySelectorAll(`mark.sub[data-pair="${m.dataset.pair}"]`).forEach((x) => x.classList.toggle('linked', on));
  };
  box.addEventListener('mouseover', (ev) => toggle(ev, true));
  box.addEventListener('mouseout', (ev) => toggle(ev, false));
}

function openSource(i) {
  last.active = i;
  const match = last.matches[i];
  document.querySelectorAll('.source-list li').forEach((li, k) => li.classList.toggle('active', k === i));
  const box = byId('compare');
  const subs = match.substitutions.slice(0, 8).map((s) => `${s.spun}→${s.original}`).join(t('listSep'));
  box.replaceChildren(
    h('div', { class: 'chead' }, h('div', {}, t('thisText')), h('div', {}, t('source', match.id))),
    sourceLink(match.meta || {}),
    ...renderRows(last.query, match.source_text || '', match),
    subs ? h('p', { class: 'muted' }, t('substitutions', subs)) : '',
  );
  box.hidden = false;
  box.dataset.state = 'done';
}

/** The source's title, date and URL (http(s) only) above the comparison, or ''. */
function sourceLink(meta) {
  const url = /^https?:\/\//i.test(meta.url || '') ? meta.url : null;
  const about = [meta.title, meta.date].filter(Boolean).join(' · ');
  if (!url && !about) return '';
  return h('p', { class: 'muted' }, about, url ? ' ' : '',
    url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url) : '');
}

function drawList() {
  byId('sources-status').textContent = last.status();
  const items = (last.matches || []).map((m, i) => h('li', {},
    h('button', { type: 'button', class: 'source', onclick: () => openSource(i) },
      h('strong', {}, m.meta?.title || m.id),
      m.meta?.date ? h('span', { class: 'muted' }, ` ${m.meta.date}`) : '',
      h('span', { class: 'muted' }, t('matchInfo', pct(m.coverage), m.score.toFixed(2), swapCount(m), m.substitutions.length)))));
  byId('source-list').replaceChildren(...items);
  if (last.active !== null) openSource(last.active);
}

/** Swaps against one source: every occurrence, as `unspin trace` counts them (`substitutions` holds the
 * distinct pairs, each with its `count`). */
export const swapCount = (match) => match.substitutions.reduce((n, s) => n + (s.count || 1), 0);

/** Take the sources of an earlier text off the screen (and ignore its search if it answers late). */
export function clearSources() {
  last = null;
  byId('sources').hidden = true;
  byId('compare').hidden = true;
  byId('compare').replaceChildren();
  byId('compare').dataset.state = 'pending';
  byId('source-list').replaceChildren();
  byId('sources-status').textContent = '';
}

/** Redraw the last search in the current language (after a switch). */
export function redrawSources() {
  if (last) drawList();
}

/** Ask the index for sources of `query` and show them; opens the best one. */
export async function showSources(query) {
  byId('sources').hidden = false;
  byId('compare').hidden = true;
  const mine = { query, matches: [], active: null, status: () => t('searching') };
  last = mine;
  drawList();
  let next;
  try {
    const { matches } = await api('/v1/trace', { text: query, top_k: 5, include_source: true });
    next = { query, matches, active: matches.length ? 0 : null,
      status: () => t(matches.length ? 'chooseSource' : 'noSource') };
  } catch (err) {
    next = { ...mine, status: () => t('traceFailed', errorText(err).join(' ')) };
  }
  if (last !== mine) return; // a newer text was analysed meanwhile
  last = next;
  drawList();
}

linkPairs(byId('compare'));
