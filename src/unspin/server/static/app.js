// The page: read input, call /v1/restore, draw the gauge and the highlighted text.
import { confidenceClass, distinctPairs, segments } from './align.js';
import { clearSources, redrawSources, showSources } from './compare.js';
import { api, byId, h, pct } from './dom.js';
import { currentLang, errorText, onLanguage, setLang, t } from './i18n.js';
import { attach } from './popover.js';
import { readFile } from './upload.js';

const state = { result: null, text: '', restoredView: false, index: false, health: null, status: null };

/** Show a status line; `message` is a function (redrawn after a language switch) or fixed nodes. */
function setStatus(message, kind = '') {
  state.status = { message, kind };
  const el = byId('status');
  el.className = `status ${kind}`;
  const parts = typeof message === 'function' ? message() : message;
  el.replaceChildren(...(Array.isArray(parts) ? parts : [parts]));
}

function updateCount() {
  const n = Array.from(byId('text').value).length;
  byId('count').textContent = n ? t('chars', n) : '';
}

function renderGauge(result) {
  const p = result.spin_probability;
  const fill = byId('gauge-fill');
  fill.style.strokeDasharray = `${Math.max(0.5, p * 100)} 100`;
  fill.classList.toggle('spun', result.label === 'spun');
  byId('gauge-value').textContent = pct(p);
  const label = byId('label');
  label.textContent = t('label')[result.label];
  label.className = `pill ${result.label}`;
  label.dataset.label = result.label;
  byId('verdict-text').textContent = t(result.label === 'spun' ? 'verdictSpun' : 'verdictNatural', pct(p));
  const pairs = distinctPairs(result.edits); // swaps = occurrences (edits); pairs = distinct (spun, original)
  byId('summary-text').textContent = result.edits.length ? t('swapped', result.edits.length, pairs.length) : t('noSwaps');
  byId('pairs').textContent = pairs.slice(0, 12)
    .map((x) => `${x.spun}→${x.original}${x.count > 1 ? `×${x.count}` : ''}`).join(t('listSep'));
}

/** The legend lists only what the text on screen shows: its confidence levels, or restored words. */
function renderLegend(classes, restoredView) {
  const chips = restoredView
    ? [h('span', { class: 'mark restored' }, t('legendRestored'))]
    : ['c-hi', 'c-mid', 'c-lo'].filter((c) => classes.has(c)).map((c) => h('span', { class: `mark ${c}` }, t('level')[c]));
  const legend = byId('legend');
  legend.replaceChildren(...chips, restoredView ? '' : h('span', { class: 'muted' }, t('legendConfidence')));
  legend.hidden = !classes.size;
}

function renderDoc() {
  const { result, text, restoredView } = state;
  const classes = new Set();
  const parts = segments(text, result.edits).map((seg) => {
    if (!seg.edit) return seg.text;
    const e = seg.edit;
    classes.add(confidenceClass(e.confidence));
    return h('mark', {
      class: `mark ${confidenceClass(e.confidence)}${restoredView ? ' restored' : ''}`,
      tabindex: 0, role: 'button', dataset: { i: result.edits.indexOf(e) },
      'aria-label': t('markAria', e.spun, e.original, pct(e.confidence)),
    }, restoredView ? e.original : e.spun);
  });
  byId('doc').replaceChildren(...parts);
  renderLegend(classes, restoredView);
  byId('show-spun').setAttribute('aria-pressed', String(!restoredView));
  byId('show-restored').setAttribute('aria-pressed', String(restoredView));
}

/** Take the last result off the screen: a new request never shows an older answer under its input. */
function clearResult() {
  state.result = null;
  const results = byId('results');
  results.hidden = true;
  results.dataset.state = 'pending';
  byId('doc').replaceChildren();
  clearSources();
}

/** The status line for a failed request: what went wrong and what to do, in the page's language. */
function showError(err) {
  setStatus(() => {
    const [message, todo] = errorText(err);
    return [h('strong', {}, message), ` ${todo}`];
  }, 'error');
}

let requests = 0; // the number of the latest request: an older answer arriving late is dropped

async function analyze() {
  const text = byId('text').value;
  const button = byId('analyze');
  const mine = ++requests;
  button.disabled = true;
  clearResult();
  setStatus(() => t('analysing'));
  const t0 = performance.now();
  try {
    const result = await api('/v1/restore', { text });
    if (mine !== requests) return;
    Object.assign(state, { result, text, restoredView: false });
    renderGauge(result);
    renderDoc();
    byId('results').hidden = false;
    const ms = Math.round(performance.now() - t0);
    byId('results').dataset.state = 'done';
    setStatus(() => t('analysed', Array.from(text).length, ms));
    if (state.index) showSources(text);
  } catch (err) {
    if (mine === requests) showError(err);
  } finally {
    if (mine === requests) button.disabled = false;
  }
}

async function copyRestored() {
  const text = state.result ? state.result.restored : '';
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const tmp = h('textarea', { class: 'offscreen' });
    tmp.value = text;
    document.body.append(tmp);
    tmp.select();
    document.execCommand('copy');
    tmp.remove();
  }
  const b = byId('copy');
  b.textContent = t('copied');
  setTimeout(() => { b.textContent = t('copy'); }, 1500);
}

function renderBadge() {
  const health = state.health;
  if (!health || !health.index) return;
  const badge = byId('index-badge');
  const n = health.index_info.documents;
  badge.textContent = n === undefined ? t('indexLoaded') : t('indexDocs', Number(n));
  badge.hidden = false;
}

async function loadHealth() {
  try {
    state.health = await api('/healthz');
    state.index = state.health.index;
    renderBadge();
  } catch {
    setStatus(() => t('noServer'), 'error');
  }
}

function setView(restored) {
  state.restoredView = restored;
  if (state.result) renderDoc();
}

/** Redraw every text that was drawn in the previous language. */
function redraw() {
  byId('lang').lang = currentLang() === 'zh' ? 'en' : 'zh';
  updateCount();
  renderBadge();
  if (state.status && typeof state.status.message === 'function') setStatus(state.status.message, state.status.kind);
  if (state.result) {
    renderGauge(state.result);
    renderDoc();
  }
  redrawSources();
}

function init() {
  byId('analyze').addEventListener('click', analyze);
  byId('text').addEventListener('input', updateCount);
  byId('text').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) analyze();
  });
  byId('file').addEventListener('change', async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    byId('text').value = await readFile(file);
    updateCount();
    setStatus(() => t('loaded', file.name));
  });
  byId('show-spun').addEventListener('click', () => setView(false));
  byId('show-restored').addEventListener('click', () => setView(true));
  byId('copy').addEventListener('click', copyRestored);
  byId('lang').addEventListener('click', () => setLang(currentLang() === 'zh' ? 'en' : 'zh'));
  onLanguage(redraw);
  attach(byId('doc'), () => state.result.edits, () => state.restoredView);
  redraw();
  loadHealth();
}

init();
