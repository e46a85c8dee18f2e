// Tiny DOM helpers shared by the page modules.

/** Create an element: h('span', {class: 'x', dataset: {i: 1}}, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c);
  }
  return el;
}

export const byId = (id) => document.getElementById(id);

export const pct = (p) => `${Math.round(p * 100)}%`;

/**
 * POST JSON (or GET when body is undefined).  Throws an Error with `.code` (the API's error code,
 * e.g. `not_chinese`, or `network` when the server cannot be reached), `.message` and `.hint`;
 * the page shows the code in its own language (i18n.js `errorText`), not the server's words.
 */
export async function api(path, body) {
  const init = body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  };
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw Object.assign(new Error('network error'), { code: 'network' });
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(data.message || `HTTP ${res.status}`);
    err.code = data.error || `http_${res.status}`;
    err.hint = data.hint;
    throw err;
  }
  return data;
}
