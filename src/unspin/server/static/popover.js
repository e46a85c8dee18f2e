// One popover for every highlighted word: hover or focus shows it, a tap pins it.
import { byId, h, pct } from './dom.js';
import { t } from './i18n.js';

const pop = () => byId('pop');
let pinned = null;

function content(edit, restoredView) {
  const alts = edit.alternatives.length
    ? h('p', {}, h('span', { class: 'muted' }, t('alternatives')), edit.alternatives.join(' · '))
    : h('p', { class: 'muted' }, t('noAlternatives'));
  const bar = h('span');
  bar.style.width = pct(edit.confidence); // CSSOM, allowed by the page's CSP (a style attribute is not)
  const [from, to] = restoredView ? [edit.original, edit.spun] : [edit.spun, edit.original];
  return [
    h('p', { class: 'pop-head' },
      h('span', { class: 'pop-from' }, from), ' → ',
      h('strong', { class: 'pop-to' }, to),
      h('span', { class: 'muted' }, t(restoredView ? 'spunAs' : 'likelyOriginal'))),
    h('div', { class: 'pop-bar' }, bar),
    h('p', {}, h('span', { class: 'muted' }, t('confidence')), h('strong', { class: 'pop-conf' }, pct(edit.confidence))),
    alts,
  ];
}

function place(target) {
  const el = pop();
  const r = target.getBoundingClientRect();
  const w = el.offsetWidth;
  const left = Math.min(Math.max(8, r.left + r.width / 2 - w / 2), window.innerWidth - w - 8);
  const below = r.bottom + 8 + el.offsetHeight < window.innerHeight;
  const top = below ? r.bottom + 8 : r.top - el.offsetHeight - 8;
  el.style.left = `${left + window.scrollX}px`;
  el.style.top = `${top + window.scrollY}px`;
}

export function show(target, edit, restoredView) {
  const el = pop();
  el.replaceChildren(...content(edit, restoredView));
  el.hidden = false;
  place(target);
}

export function hide(force = false) {
  if (pinned && !force) return;
  pinned = null;
  pop().hidden = true;
}

/** Wire a container whose marks carry `data-i` (index into `edits()`). */
export function attach(container, edits, restoredView) {
  const find = (ev) => ev.target.closest('[data-i]');
  const open = (ev) => {
    const m = find(ev);
    if (m && !pinned) show(m, edits()[Number(m.dataset.i)], restoredView());
  };
  container.addEventListener('mouseover', open);
  container.addEventListener('focusin', open);
  container.addEventListener('mouseout', (ev) => { if (find(ev)) hide(); });
  container.addEventListener('focusout', () => hide());
  container.addEventListener('click', (ev) => {
    const m = find(ev);
    if (!m) return;
    ev.stopPropagation();
    if (pinned === m) { hide(true); return; }
    pinned = null;
    show(m, edits()[Number(m.dataset.i)], restoredView());
    pinned = m;
  });
  document.addEventListener('click', (ev) => { if (!pop().contains(ev.target)) hide(true); });
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') hide(true); });
  window.addEventListener('resize', () => hide(true));
}
