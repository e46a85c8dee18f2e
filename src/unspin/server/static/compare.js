// Sources list and the aligned side-by-side view (shown only when an index is loaded).
import { alignRows, clip, diffPair } from './align.js';
import { api, byId, h, pct } from './dom.js';

function cell(parts, side) {
  return h('div', { class: `cell ${side}`, lang: 'zh' },
    parts.map((p) => (p.pair === null
      ? p.text
      : h('mark', { class: 'sub', dataset: { pair: p.pair }, title: side === 'q' ? 'substituted here' : 'source wording' }, p.text))));
}

function renderRows(query, source, match) {
  const rows = alignRows(query, source, match.passages);
  let base = 0;
  return rows.map((row) => {
    if (!row.aligned) {
      return h('div', { class: 'crow gap' },
        h('div', { class: 'cell q' }, clip(row.q.trim())),
        h('div', { class: 'cell s' }, clip(row.s.trim())));
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

function openSource(query, match, item) {
  document.querySelectorAll('.source-list li').forEach((li) => li.classList.toggle('active', li === item));
  const box = byId('compare');
  const subs = match.substitutions.slice(0, 8).map((s) => `${s.spun}→${s.original}`).join('，');
  box.replaceChildren(
    h('div', { class: 'chead' }, h('div', {}, 'This text'), h('div', {}, `Source ${match.id}`)),
    ...renderRows(query, match.source_text || '', match),
    subs ? h('p', { class: 'muted' }, `Substitutions: ${subs}`) : '',
  );
  box.hidden = false;
  box.dataset.state = 'done';
}

/** Ask the index for sources of `query` and show them; opens the best one. */
export async function showSources(query) {
  const card = byId('sources');
  const list = byId('source-list');
  const status = byId('sources-status');
  card.hidden = false;
  list.replaceChildren();
  byId('compare').hidden = true;
  status.textContent = 'Searching the index…';
  try {
    const { matches } = await api('/v1/trace', { text: query, top_k: 5, include_source: true });
    status.textContent = matches.length ? 'Choose a source to compare it side by side.' : 'No source found in the index.';
    const items = matches.map((m) => {
      const item = h('li', {},
        h('button', { type: 'button', class: 'source', onclick: () => openSource(query, m, item) },
          h('strong', {}, m.id),
          h('span', { class: 'muted' }, ` covers ${pct(m.coverage)} · score ${m.score.toFixed(2)} · ${m.substitutions.length} substitutions`)));
      return item;
    });
    list.replaceChildren(...items);
    if (matches.length) openSource(query, matches[0], items[0]);
  } catch (err) {
    status.textContent = `Trace failed: ${err.message}`;
  }
}

linkPairs(byId('compare'));
