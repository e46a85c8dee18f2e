// The page: read input, call /v1/restore, draw the gauge and the highlighted text.
import { confidenceClass, segments } from './align.js';
import { showSources } from './compare.js';
import { api, byId, h, pct } from './dom.js';
import { attach } from './popover.js';
import { readFile } from './upload.js';

const state = { result: null, text: '', restoredView: false, index: false };

function setStatus(message, kind = '') {
  const el = byId('status');
  el.className = `status ${kind}`;
  el.replaceChildren(...(Array.isArray(message) ? message : [message]));
}

function updateCount() {
  const n = Array.from(byId('text').value).length;
  byId('count').textContent = n ? `${n.toLocaleString()} characters` : '';
}

function renderGauge(result) {
  const p = result.spin_probability;
  const fill = byId('gauge-fill');
  fill.style.strokeDasharray = `${Math.max(0.5, p * 100)} 100`;
  fill.classList.toggle('spun', result.label === 'spun');
  byId('gauge-value').textContent = pct(p);
  const label = byId('label');
  label.textContent = result.label;
  label.className = `pill ${result.label}`;
  byId('verdict-text').textContent = result.label === 'spun'
    ? `Likely spun: ${pct(p)} probability that a synonym spinner rewrote this text.`
    : `Likely natural: ${pct(p)} probability of spinning.`;
  const distinct = new Set(result.edits.map((e) => `${e.spun}→${e.original}`)).size;
  byId('summary-text').textContent = result.edits.length
    ? `${result.edits.length} swapped words (${distinct} distinct) found and restored.`
    : 'No swapped words found.';
}

function renderDoc() {
  const { result, text, restoredView } = state;
  const parts = segments(text, result.edits).map((seg) => {
    if (!seg.edit) return seg.text;
    const e = seg.edit;
    return h('mark', {
      class: `mark ${confidenceClass(e.confidence)}${restoredView ? ' restored' : ''}`,
      tabindex: 0, role: 'button', dataset: { i: result.edits.indexOf(e) },
      'aria-label': `${e.spun}, likely ${e.original}, confidence ${pct(e.confidence)}`,
    }, restoredView ? e.original : e.spun);
  });
  byId('doc').replaceChildren(...parts);
  byId('show-spun').setAttribute('aria-pressed', String(!restoredView));
  byId('show-restored').setAttribute('aria-pressed', String(restoredView));
}

async function analyze() {
  const text = byId('text').value;
  const button = byId('analyze');
  button.disabled = true;
  setStatus('Analysing…');
  const t0 = performance.now();
  try {
    const result = await api('/v1/restore', { text });
    Object.assign(state, { result, text, restoredView: false });
    renderGauge(result);
    renderDoc();
    byId('results').hidden = false;
    const ms = Math.round(performance.now() - t0);
    byId('results').dataset.state = 'done';
    setStatus(`Analysed ${Array.from(text).length.toLocaleString()} characters in ${ms} ms.`);
    if (state.index) showSources(text);
  } catch (err) {
    setStatus([h('strong', {}, err.message), err.hint ? ` — ${err.hint}` : ''], 'error');
  } finally {
    button.disabled = false;
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
  b.textContent = 'Copied ✓';
  setTimeout(() => { b.textContent = 'Copy restored text'; }, 1500);
}

async function loadHealth() {
  try {
    const health = await api('/healthz');
    state.index = health.index;
    if (health.index) {
      const badge = byId('index-badge');
      const n = health.index_info.documents;
      badge.textContent = n === undefined ? 'index loaded' : `index: ${Number(n).toLocaleString()} document${n === 1 ? '' : 's'}`;
      badge.hidden = false;
    }
  } catch {
    setStatus('The unspin server does not answer.', 'error');
  }
}

function setView(restored) {
  state.restoredView = restored;
  if (state.result) renderDoc();
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
    setStatus(`Loaded ${file.name}.`);
  });
  byId('show-spun').addEventListener('click', () => setView(false));
  byId('show-restored').addEventListener('click', () => setView(true));
  byId('copy').addEventListener('click', copyRestored);
  attach(byId('doc'), () => state.result.edits, () => state.restoredView);
  updateCount();
  loadHealth();
}

init();
