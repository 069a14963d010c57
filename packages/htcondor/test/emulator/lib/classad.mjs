// ClassAd expressions, as much of the language as the emulated tools need: literals, attribute
// references (case-insensitive, MY./TARGET.), the operators of the manual (|| && ! == != =?= =!=
// is isnt < <= > >= + - * / % ?:), lists, and a few functions (member, identicalMember,
// isUndefined, isError, isString, isInteger, isBoolean, regexp, strcmp, stricmp, toLower,
// toUpper, size, time, ifThenElse, stringListMember). Undefined and error propagate as the
// manual says. An ad is a plain object { Attr: value } where a value is a number, string,
// boolean, null (undefined), { real: n }, { list: [...] } or { expr: "<text>" }.

export const UNDEF = Symbol('undefined');
export const ERROR = Symbol('error');

export class ClassAdSyntaxError extends Error {}

const OPS = [
  '=?=',
  '=!=',
  '||',
  '&&',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '?',
  ':',
];

function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= text.length) throw new ClassAdSyntaxError(`unterminated string at ${i}`);
        const d = text[j];
        if (d === '\\') {
          const e = text[j + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          j += 2;
          continue;
        }
        if (d === '"') break;
        s += d;
        j++;
      }
      tokens.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const num =
      /^(?:[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+|[0-9]+)/.exec(
        text.slice(i),
      );
    if (num) {
      const s = num[0];
      tokens.push(/[.eE]/.test(s) ? { t: 'real', v: Number(s) } : { t: 'int', v: Number(s) });
      i += s.length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?/.exec(text.slice(i));
    if (id) {
      tokens.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    if ('(){},'.includes(c)) {
      tokens.push({ t: c });
      i++;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ t: 'op', v: op });
      i += op.length;
      continue;
    }
    throw new ClassAdSyntaxError(`unexpected character ${JSON.stringify(c)} at ${i}`);
  }
  return tokens;
}

/** Parses an expression into a tree; throws ClassAdSyntaxError. */
export function parseExpr(text) {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (...ops) => {
    const t = peek();
    if (t?.t === 'op' && ops.includes(t.v)) return t.v;
    if (t?.t === 'id' && (ops.includes('is') || ops.includes('isnt'))) {
      const w = t.v.toLowerCase();
      if ((w === 'is' || w === 'isnt') && ops.includes(w)) return w;
    }
    return undefined;
  };
  const expect = (t) => {
    if (peek()?.t !== t) throw new ClassAdSyntaxError(`expected ${t}`);
    pos++;
  };
  const ternary = () => {
    const c = or();
    if (isOp('?')) {
      pos++;
      const a = ternary();
      if (!isOp(':')) throw new ClassAdSyntaxError('expected :');
      pos++;
      const b = ternary();
      return { k: 'if', c, a, b };
    }
    return c;
  };
  const binary = (next, ops) => () => {
    let left = next();
    for (;;) {
      const op = isOp(...ops);
      if (!op) return left;
      pos++;
      left = { k: 'bin', op, l: left, r: next() };
    }
  };
  const unary = () => {
    const op = isOp('!', '-', '+');
    if (op) {
      pos++;
      return { k: 'un', op, e: unary() };
    }
    return primary();
  };
  const mul = binary(unary, ['*', '/', '%']);
  const add = binary(mul, ['+', '-']);
  const rel = binary(add, ['<', '<=', '>', '>=']);
  const eq = binary(rel, ['==', '!=', '=?=', '=!=', 'is', 'isnt']);
  const and = binary(eq, ['&&']);
  const or = binary(and, ['||']);
  function primary() {
    const t = peek();
    if (!t) throw new ClassAdSyntaxError('unexpected end of expression');
    pos++;
    if (t.t === 'int' || t.t === 'real') return { k: 'lit', v: t.t === 'real' ? { real: t.v } : t.v };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === '(') {
      const e = ternary();
      expect(')');
      return e;
    }
    if (t.t === '{') {
      const items = [];
      if (peek()?.t !== '}') {
        for (;;) {
          items.push(ternary());
          if (peek()?.t === ',') {
            pos++;
            continue;
          }
          break;
        }
      }
      expect('}');
      return { k: 'list', items };
    }
    if (t.t === 'id') {
      const w = t.v.toLowerCase();
      if (w === 'true') return { k: 'lit', v: true };
      if (w === 'false') return { k: 'lit', v: false };
      if (w === 'undefined') return { k: 'lit', v: null };
      if (w === 'error') return { k: 'err' };
      if (peek()?.t === '(') {
        pos++;
        const args = [];
        if (peek()?.t !== ')') {
          for (;;) {
            args.push(ternary());
            if (peek()?.t === ',') {
              pos++;
              continue;
            }
            break;
          }
        }
        expect(')');
        return { k: 'call', f: w, args };
      }
      return { k: 'attr', name: t.v };
    }
    throw new ClassAdSyntaxError(`unexpected ${t.t === 'op' ? t.v : t.t}`);
  }
  const tree = ternary();
  if (pos !== tokens.length) throw new ClassAdSyntaxError(`unexpected text after the expression`);
  return tree;
}

/** The literal an expression stands for (for `+Attr = value`), or undefined when it is no literal. */
export function literalOf(tree) {
  if (tree.k === 'lit') return { value: tree.v };
  if (tree.k === 'un' && tree.op === '-' && tree.e.k === 'lit') {
    const v = tree.e.v;
    if (typeof v === 'number') return { value: -v };
    if (v && typeof v === 'object' && 'real' in v) return { value: { real: -v.real } };
  }
  return undefined;
}

/** The value of attribute `name` in `ad`, looked up case-insensitively. */
export function lookupAttr(ad, name) {
  const lower = name.toLowerCase();
  for (const k of Object.keys(ad)) if (k.toLowerCase() === lower) return { key: k, value: ad[k] };
  return undefined;
}

function fromStored(v, ad, depth) {
  if (v === null || v === undefined) return UNDEF;
  if (typeof v === 'object') {
    if ('real' in v) return v.real;
    if ('list' in v) return v.list.map((x) => fromStored(x, ad, depth));
    if ('expr' in v) {
      try {
        return evalTree(parseExpr(v.expr), ad, depth + 1);
      } catch {
        return ERROR;
      }
    }
  }
  return v;
}

const isNum = (v) => typeof v === 'number';
const isBool = (v) => typeof v === 'boolean';
const isStr = (v) => typeof v === 'string';

function eqValues(a, b) {
  if (a === UNDEF || b === UNDEF) return UNDEF;
  if (a === ERROR || b === ERROR) return ERROR;
  if (isNum(a) && isNum(b)) return a === b;
  if (isStr(a) && isStr(b)) return a.toLowerCase() === b.toLowerCase();
  if (isBool(a) && isBool(b)) return a === b;
  if (isBool(a) && isNum(b)) return Number(a) === b;
  if (isNum(a) && isBool(b)) return a === Number(b);
  return ERROR;
}

function identical(a, b) {
  if (a === UNDEF || b === UNDEF) return a === b;
  if (a === ERROR || b === ERROR) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) return false;
  return typeof a === typeof b && a === b;
}

function truth(v) {
  if (isBool(v)) return v;
  if (isNum(v)) return v !== 0;
  if (v === UNDEF) return UNDEF;
  return ERROR;
}

function evalTree(node, ad, depth = 0) {
  if (depth > 50) return ERROR;
  switch (node.k) {
    case 'lit':
      return fromStored(node.v, ad, depth);
    case 'err':
      return ERROR;
    case 'list':
      return node.items.map((i) => evalTree(i, ad, depth));
    case 'attr': {
      let name = node.name;
      const dot = name.indexOf('.');
      if (dot >= 0) {
        const scope = name.slice(0, dot).toLowerCase();
        if (scope === 'target') return UNDEF;
        if (scope === 'my') name = name.slice(dot + 1);
      }
      const found = lookupAttr(ad, name);
      return found ? fromStored(found.value, ad, depth) : UNDEF;
    }
    case 'if': {
      const c = truth(evalTree(node.c, ad, depth));
      if (c === UNDEF || c === ERROR) return c;
      return evalTree(c ? node.a : node.b, ad, depth);
    }
    case 'un': {
      const v = evalTree(node.e, ad, depth);
      if (node.op === '!') {
        const t = truth(v);
        return t === UNDEF || t === ERROR ? t : !t;
      }
      if (v === UNDEF || v === ERROR) return v;
      if (!isNum(v)) return ERROR;
      return node.op === '-' ? -v : v;
    }
    case 'bin': {
      const { op } = node;
      if (op === '&&' || op === '||') {
        const l = truth(evalTree(node.l, ad, depth));
        if (op === '&&' && l === false) return false;
        if (op === '||' && l === true) return true;
        if (l === ERROR) return ERROR;
        const r = truth(evalTree(node.r, ad, depth));
        if (r === ERROR) return ERROR;
        if (op === '&&') return r === false ? false : l === UNDEF || r === UNDEF ? UNDEF : true;
        return r === true ? true : l === UNDEF || r === UNDEF ? UNDEF : false;
      }
      const l = evalTree(node.l, ad, depth);
      const r = evalTree(node.r, ad, depth);
      if (op === '=?=' || op === 'is') return identical(l, r);
      if (op === '=!=' || op === 'isnt') return !identical(l, r);
      if (op === '==') return eqValues(l, r);
      if (op === '!=') {
        const e = eqValues(l, r);
        return typeof e === 'boolean' ? !e : e;
      }
      if (l === ERROR || r === ERROR) return ERROR;
      if (l === UNDEF || r === UNDEF) return UNDEF;
      if (['<', '<=', '>', '>='].includes(op)) {
        let a = l;
        let b = r;
        if (isStr(a) && isStr(b)) {
          a = a.toLowerCase();
          b = b.toLowerCase();
        } else if (!isNum(a) || !isNum(b)) return ERROR;
        return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
      }
      if (!isNum(l) || !isNum(r)) return ERROR;
      if (op === '+') return l + r;
      if (op === '-') return l - r;
      if (op === '*') return l * r;
      if (op === '/')
        return r === 0 ? ERROR : Number.isInteger(l) && Number.isInteger(r) ? Math.trunc(l / r) : l / r;
      if (op === '%') return r === 0 ? ERROR : l % r;
      return ERROR;
    }
    case 'call':
      return callFunction(node.f, node.args, ad, depth);
  }
  return ERROR;
}

function callFunction(f, argNodes, ad, depth) {
  const args = argNodes.map((a) => evalTree(a, ad, depth));
  const [a, b, c] = args;
  switch (f) {
    case 'member':
    case 'identicalmember': {
      if (!Array.isArray(b)) return ERROR;
      if (f === 'member' && (a === UNDEF || a === ERROR)) return a;
      return b.some((x) => (f === 'member' ? eqValues(a, x) === true : identical(a, x)));
    }
    case 'isundefined':
      return a === UNDEF;
    case 'iserror':
      return a === ERROR;
    case 'isstring':
      return isStr(a);
    case 'isinteger':
      return isNum(a) && Number.isInteger(a);
    case 'isboolean':
      return isBool(a);
    case 'ifthenelse': {
      const t = truth(a);
      if (t === UNDEF || t === ERROR) return t;
      return t ? b : c;
    }
    case 'regexp': {
      if (!isStr(a) || !isStr(b)) return a === UNDEF || b === UNDEF ? UNDEF : ERROR;
      try {
        return new RegExp(a, isStr(c) && c.includes('i') ? 'i' : '').test(b);
      } catch {
        return ERROR;
      }
    }
    case 'strcmp':
    case 'stricmp': {
      if (!isStr(a) || !isStr(b)) return ERROR;
      const x = f === 'stricmp' ? a.toLowerCase() : a;
      const y = f === 'stricmp' ? b.toLowerCase() : b;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'tolower':
      return isStr(a) ? a.toLowerCase() : ERROR;
    case 'toupper':
      return isStr(a) ? a.toUpperCase() : ERROR;
    case 'size':
      return isStr(a) || Array.isArray(a) ? a.length : ERROR;
    case 'time':
      return Math.floor(Date.now() / 1000);
    case 'stringlistmember': {
      if (!isStr(a) || !isStr(b)) return ERROR;
      const delim = isStr(c) ? c : ', ';
      const items = b.split(new RegExp(`[${delim.replace(/[\]\\^-]/g, '\\$&')}]+`)).filter((s) => s !== '');
      return items.includes(a);
    }
    default:
      return ERROR;
  }
}

/** Evaluates an expression text against an ad: a JS value, UNDEF or ERROR. */
export function evaluate(text, ad) {
  return evalTree(parseExpr(text), ad);
}

/** Whether a constraint holds for an ad: only a boolean true (or non-zero number) matches. */
export function matches(tree, ad) {
  const v = evalTree(tree, ad);
  return v === true || (isNum(v) && v !== 0);
}

export { evalTree };

/** ClassAd's own text for a string literal. */
export function quoteString(s) {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** `%.16G` as ClassAd's JSON and unparser write reals, with `.0` when it looks like an integer. */
export function formatReal(x) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'real("NaN")' : x > 0 ? 'real("INF")' : 'real("-INF")';
  if (x === 0) return '0.0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  let s;
  if (exp < -4 || exp >= 16) {
    s = x.toExponential(15).replace(/\.?0+e/, 'e');
    s = s.replace(/e([+-])(\d)$/, 'e$10$2').toUpperCase();
  } else {
    s = x.toPrecision(16);
    if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  }
  return /^-?[0-9]+$/.test(s) ? `${s}.0` : s;
}

/** The ClassAd text of a stored value (for -long and for expressions). */
export function unparseValue(v) {
  if (v === null || v === undefined) return 'undefined';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return quoteString(v);
  if ('real' in v) return formatReal(v.real);
  if ('list' in v) return `{ ${v.list.map(unparseValue).join(', ')} }`;
  if ('expr' in v) return v.expr;
  return 'error';
}

/** An evaluated value as `%v` prints it (strings unquoted), or quoted with `%V`. */
export function printValue(v, quoted = false) {
  if (v === UNDEF) return 'undefined';
  if (v === ERROR) return 'error';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatReal(v);
  if (typeof v === 'string') return quoted ? quoteString(v) : v;
  if (Array.isArray(v)) return `{ ${v.map((x) => printValue(x, true)).join(', ')} }`;
  return String(v);
}
