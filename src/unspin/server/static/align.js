// Pure text helpers (no DOM). API offsets are Unicode code points, so strings are
// handled as arrays of code points, never by UTF-16 index.

/** Split `text` into plain runs and edited words: [{text, edit?}]. */
export function segments(text, edits) {
  const cp = Array.from(text);
  const out = [];
  let pos = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    if (e.start < pos || e.end > cp.length) continue;
    if (e.start > pos) out.push({ text: cp.slice(pos, e.start).join('') });
    out.push({ text: cp.slice(e.start, e.end).join(''), edit: e });
    pos = e.end;
  }
  if (pos < cp.length) out.push({ text: cp.slice(pos).join('') });
  return out;
}

/** Distinct (spun, original) pairs of `edits` with their count, most frequent first: [{spun, original, count}]. */
export function distinctPairs(edits) {
  const pairs = new Map();
  for (const e of edits) {
    const key = `${e.spun}\u0000${e.original}`;
    if (!pairs.has(key)) pairs.set(key, { spun: e.spun, original: e.original, count: 0 });
    pairs.get(key).count += 1;
  }
  return [...pairs.values()].sort((a, b) => b.count - a.count);
}

/** CSS class for a confidence in [0, 1]. */
export function confidenceClass(c) {
  return c >= 0.9 ? 'c-hi' : c >= 0.7 ? 'c-mid' : 'c-lo';
}

const slice = (cp, a, b) => cp.slice(a, b).join('');

/**
 * Rows for the side-by-side view: aligned passages, and between them the unmatched text
 * of each side (paired in one row, since it sits at the same place in both documents).
 */
export function alignRows(query, source, passages) {
  const q = Array.from(query);
  const s = Array.from(source);
  const rows = [];
  let qPos = 0;
  let sPos = 0;
  const gap = (qEnd, sEnd) => {
    const row = { q: slice(q, qPos, Math.max(qPos, qEnd)), s: slice(s, sPos, Math.max(sPos, sEnd)) };
    if (row.q.trim() || row.s.trim()) rows.push(row);
  };
  for (const p of [...passages].sort((a, b) => a.query_start - b.query_start)) {
    gap(p.query_start, p.source_start);
    rows.push({ q: slice(q, p.query_start, p.query_end), s: slice(s, p.source_start, p.source_end), aligned: true });
    qPos = Math.max(qPos, p.query_end);
    sPos = Math.max(sPos, p.source_end);
  }
  gap(q.length, s.length);
  return rows;
}

function push(list, text, pair) {
  if (!text) return;
  const last = list[list.length - 1];
  if (pair === null && last && last.pair === null) last.text += text;
  else list.push({ text, pair });
}

function startsWith(cp, i, word) {
  if (i + word.length > cp.length) return false;
  for (let k = 0; k < word.length; k++) if (cp[i + k] !== word[k]) return false;
  return true;
}

/** Smallest skip (di, dj) after which both sides agree again on `k` characters. */
function resync(A, B, i, j, window = 16, k = 2) {
  for (let d = 1; d <= 2 * window; d++) {
    for (let di = Math.max(0, d - window); di <= Math.min(d, window); di++) {
      const dj = d - di;
      const ai = i + di;
      const bj = j + dj;
      if (ai > A.length || bj > B.length) continue;
      if (ai === A.length && bj === B.length) return [di, dj];
      if (ai + k <= A.length && bj + k <= B.length && startsWith(A, ai, B.slice(bj, bj + k))) return [di, dj];
    }
  }
  return [A.length - i, B.length - j];
}

/**
 * Mark what differs between an aligned query passage `a` and source passage `b`.
 * Known substitutions ({spun, original}) are marked as whole words; anything else by
 * a character diff.  Returns {left, right}: lists of {text, pair} where pair is null for
 * shared text and the same number on both sides for one substitution.
 */
export function diffPair(a, b, subs = []) {
  const A = Array.from(a);
  const B = Array.from(b);
  const known = subs
    .filter((x) => x.spun && x.original && x.spun !== x.original)
    .map((x) => [Array.from(x.spun), Array.from(x.original)])
    .sort((x, y) => y[0].length - x[0].length);
  const left = [];
  const right = [];
  let i = 0;
  let j = 0;
  let pair = 0;
  while (i < A.length && j < B.length) {
    const hit = known.find(([sp, or]) => startsWith(A, i, sp) && startsWith(B, j, or));
    if (hit) {
      push(left, hit[0].join(''), pair);
      push(right, hit[1].join(''), pair++);
      i += hit[0].length;
      j += hit[1].length;
    } else if (A[i] === B[j]) {
      push(left, A[i++], null);
      push(right, B[j++], null);
    } else {
      const [di, dj] = resync(A, B, i, j);
      push(left, A.slice(i, i + di).join(''), pair);
      push(right, B.slice(j, j + dj).join(''), pair++);
      i += di;
      j += dj;
    }
  }
  push(left, A.slice(i).join(''), pair);
  push(right, B.slice(j).join(''), pair);
  return { left, right };
}

/** Shorten long unmatched text to its ends. */
export function clip(text, max = 160) {
  const cp = Array.from(text);
  if (cp.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${cp.slice(0, half).join('')} … ${cp.slice(-half).join('')}`;
}
