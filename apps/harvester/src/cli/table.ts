// Plain-text tables for the terminal.

/** Left-aligned columns separated by two spaces; cells are cut at `maxCell` characters. */
export function formatTable(
  headers: string[],
  rows: (string | number | null | undefined)[][],
  maxCell = 60,
): string {
  const cell = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined || v === '' ? '-' : String(v).replace(/\s+/g, ' ');
    return s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s;
  };
  const body = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]?.length ?? 0)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(headers), ...body.map(fmt)].join('\n');
}
