// How condor_q and condor_history print ads (batch-cli-formats.md A3): -json (jsonSink layout),
// -jsonl, -long, -af / -autoformat[:jhlVrt,ng], -format, and the default tables.
import { evaluate, formatReal, printValue, quoteString, unparseValue } from './classad.mjs';

/** The attributes to print: all, or the -attributes projection (case-insensitive names). */
export function project(ad, attributes) {
  if (!attributes) return ad;
  const out = {};
  const wanted = new Set(attributes.map((a) => a.toLowerCase()));
  for (const [k, v] of Object.entries(ad)) if (wanted.has(k.toLowerCase())) out[k] = v;
  return out;
}

function sortedKeys(ad) {
  return Object.keys(ad).sort((a, b) => {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** One value as jsonSink writes it. */
function jsonValue(v, indent) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if ('real' in v) return formatReal(v.real);
  if ('list' in v)
    return `[\n${v.list.map((x) => `${indent}  ${jsonValue(x, `${indent}  `)}`).join(',\n')}\n${indent}]`;
  if ('expr' in v) {
    // "\/Expr(<classad text>)\/": the slashes are escaped, the text JSON-escaped.
    const body = JSON.stringify(v.expr).slice(1, -1);
    return `"\\/Expr(${body})\\/"`;
  }
  return '"\\/Expr(error)\\/"';
}

/** One ad in -json layout: `{`, the attributes indented by 2, sorted case-insensitively, `}`. */
export function jsonAd(ad) {
  const keys = sortedKeys(ad);
  const lines = keys.map(
    (k, i) => `  ${JSON.stringify(k)}: ${jsonValue(ad[k], '  ')}${i < keys.length - 1 ? ',' : ''}`,
  );
  return `{\n${lines.join('\n')}\n}`;
}

/** condor_q -json: nothing at all without ads; condor_history -json: always the brackets. */
export function jsonList(ads, alwaysBrackets) {
  if (ads.length === 0) return alwaysBrackets ? '[\n]\n' : '';
  return `[\n${ads.map(jsonAd).join('\n,\n')}\n]\n`;
}

/** -jsonl: one compact object per line. */
export function jsonLines(ads) {
  return ads
    .map((ad) => {
      const keys = sortedKeys(ad);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${jsonValue(ad[k], '').replace(/\n\s*/g, '')}`).join(',')}}`;
    })
    .map((l) => `${l}\n`)
    .join('');
}

/** -long: `Attr = value` lines, a blank line after each ad. */
export function longAds(ads) {
  return ads
    .map(
      (ad) =>
        `${sortedKeys(ad)
          .map((k) => `${k} = ${unparseValue(ad[k])}`)
          .join('\n')}\n\n`,
    )
    .join('');
}

/** -af with its options (j: id first, h: heading, l: labels, V: quoted strings, t: tabs, ",": commas, n: newline per field, g: newline between ads, r: raw). */
export function autoformat(ads, exprs, opts) {
  const sep = opts.includes('t') ? '\t' : ' ';
  const comma = opts.includes(',') ? ',' : '';
  const perField = opts.includes('n');
  let out = '';
  if (opts.includes('h')) {
    const heads = [...(opts.includes('j') ? ['ID'] : []), ...exprs];
    out += `${heads.join(sep)}\n`;
  }
  ads.forEach((ad, i) => {
    if (i > 0 && opts.includes('g')) out += '\n';
    const fields = [];
    if (opts.includes('j')) fields.push(`${ad.ClusterId}.${ad.ProcId}`);
    for (const e of exprs) {
      let text;
      if (opts.includes('r')) {
        const found = Object.keys(ad).find((k) => k.toLowerCase() === e.toLowerCase());
        text = found === undefined ? 'undefined' : unparseValue(ad[found]);
      } else {
        let v;
        try {
          v = evaluate(e, ad);
        } catch {
          v = undefined;
        }
        text = v === undefined ? 'undefined' : printValue(v, opts.includes('V'));
      }
      fields.push(opts.includes('l') ? `${e} = ${text}` : text);
    }
    out += perField
      ? fields.map((f) => `${f}${comma}\n`).join('')
      : `${fields.map((f) => `${f}${comma}`).join(sep)}\n`;
  });
  return out;
}

/** -format pairs: printf-like, no newline added; a missing attribute skips its format. */
export function formatPairs(ads, pairs) {
  let out = '';
  for (const ad of ads) {
    for (const [fmt, expr] of pairs) {
      let v;
      try {
        v = evaluate(expr, ad);
      } catch {
        continue;
      }
      if (typeof v === 'symbol' && v.description === 'undefined') continue;
      out += fmt
        .replace(/\\n/g, '\n')
        .replace(/\\t/g, '\t')
        .replace(/%(-?)([0-9]*)(?:\.([0-9]+))?([sdfvVr%])/g, (_m, left, width, prec, conv) => {
          if (conv === '%') return '%';
          let s;
          if (conv === 'd')
            s =
              typeof v === 'number'
                ? String(Math.trunc(v))
                : typeof v === 'boolean'
                  ? String(Number(v))
                  : '0';
          else if (conv === 'f')
            s = typeof v === 'number' ? v.toFixed(prec === undefined ? 6 : Number(prec)) : '0.000000';
          else if (conv === 'V') s = printValue(v, true);
          else if (conv === 'r') s = typeof v === 'string' ? quoteString(v) : printValue(v, true);
          else s = printValue(v, false);
          const w = Number(width || 0);
          return left ? s.padEnd(w) : s.padStart(w);
        });
    }
  }
  return out;
}

const STATUS_LETTER = { 1: 'I', 2: 'R', 3: 'X', 4: 'C', 5: 'H', 6: '>', 7: 'S' };

function mmddyy(epoch) {
  const d = new Date(epoch * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function runTime(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const p = (n) => String(n).padStart(2, '0');
  return `${d}+${p(Math.floor((s % 86400) / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

/** condor_q's default (-nobatch style) table with title and totals. */
export function queueTable(ads, schedd, sinful, now) {
  const d = new Date(now * 1000);
  const p = (n) => String(n).padStart(2, '0');
  const stamp = `${p(d.getMonth() + 1)}/${p(d.getDate())}/${p(d.getFullYear() % 100)} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  let out = `\n\n-- Schedd: ${schedd} : ${sinful} @ ${stamp}\n`;
  out += ' ID      OWNER            SUBMITTED     RUN_TIME ST PRI SIZE CMD\n';
  for (const ad of ads) {
    const id = `${ad.ClusterId}.${ad.ProcId}`.padEnd(7);
    const run = ad.JobStatus === 2 && ad.JobCurrentStartDate ? now - ad.JobCurrentStartDate : 0;
    out += ` ${id} ${String(ad.Owner).padEnd(16)} ${mmddyy(ad.QDate)}  ${runTime(run)} ${STATUS_LETTER[ad.JobStatus] ?? '?'}  0    0.0 ${String(ad.Cmd).split('/').pop()}\n`;
  }
  const count = (s) => ads.filter((a) => a.JobStatus === s).length;
  const totals = `${ads.length} jobs; ${count(4)} completed, ${count(3)} removed, ${count(1)} idle, ${count(2)} running, ${count(5)} held, ${count(7)} suspended`;
  out += `\nTotal for query: ${totals}\n`;
  return out;
}

/** condor_history's default table. */
export function historyTable(ads) {
  let out = 'ID     OWNER          SUBMITTED   RUN_TIME     ST COMPLETED   CMD\n';
  for (const ad of ads) {
    const id = `${ad.ClusterId}.${ad.ProcId}`.padEnd(6);
    const wall = typeof ad.RemoteWallClockTime === 'object' ? ad.RemoteWallClockTime.real : 0;
    const done = ad.CompletionDate ? mmddyy(ad.CompletionDate) : '     ---';
    out += `${id} ${String(ad.Owner).padEnd(14)} ${mmddyy(ad.QDate)} ${runTime(wall).padStart(12)} ${STATUS_LETTER[ad.JobStatus] ?? '?'}  ${done} ${ad.Cmd}\n`;
  }
  return out;
}
