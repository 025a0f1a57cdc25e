/** How list and show commands print: JSON with --json (for scripts), else a table or fields for people. */

export const printJson = (body: unknown) => console.log(JSON.stringify(body, null, 2));

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '-';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/\s+/g, ' ');
};

/** Columns padded to their widest cell; the last column is cut at `lastWidth` characters. */
export function printTable(header: string[], rows: unknown[][], lastWidth = 80): void {
  if (rows.length === 0) return void console.log('(none)');
  const text = [header, ...rows.map((r) => r.map(cell))].map((r) => r.map((c, i) => (i === r.length - 1 && c.length > lastWidth ? `${c.slice(0, lastWidth - 1)}…` : c)));
  const widths = header.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  for (const r of text) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** One record as `name: value` lines, in the given order; objects are printed as indented JSON. */
export function printFields(record: Record<string, unknown>, names: string[]): void {
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) {
    const value = record[name];
    const text = value !== null && typeof value === 'object' ? `\n${JSON.stringify(value, null, 2).replace(/^/gm, '  ')}` : ` ${cell(value)}`;
    console.log(`${`${name}:`.padEnd(width + 1)}${text}`);
  }
}
