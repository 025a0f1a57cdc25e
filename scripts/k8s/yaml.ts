/**
 * A small YAML emitter for the generated manifests and rule files: block
 * style, two-space indent, strings quoted unless plainly safe. JSON's string
 * escapes are valid in YAML double-quoted scalars, so JSON.stringify quotes.
 */

export type YamlValue = string | number | boolean | null | readonly YamlValue[] | YamlMapping;
export type YamlMapping = { readonly [key: string]: YamlValue | undefined };

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
// YAML 1.1 readers (Kubernetes' included) take these as booleans or null when unquoted.
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`YAML cannot hold ${value}`);
    return String(value);
  }
  return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
}

const key = (k: string) => scalar(k);

/** Multi-line text (an embedded config file) reads best as a literal block; only text a block keeps exactly qualifies. */
function isBlockText(v: YamlValue): v is string {
  if (typeof v !== 'string' || !v.includes('\n') || !v.endsWith('\n') || v.endsWith('\n\n')) return false;
  return v
    .slice(0, -1)
    .split('\n')
    .every((line, i) => !/[\t\r]|\s$/.test(line) && line !== '' && !(i === 0 && line.startsWith(' ')));
}

function isScalar(v: YamlValue): v is string | number | boolean | null {
  return v === null || typeof v !== 'object';
}

function entries(obj: { readonly [key: string]: YamlValue | undefined }): [string, YamlValue][] {
  return Object.entries(obj).filter((e): e is [string, YamlValue] => e[1] !== undefined);
}

function isEmpty(v: YamlValue): boolean {
  return Array.isArray(v) ? v.length === 0 : !isScalar(v) && entries(v as Record<string, YamlValue>).length === 0;
}

function emptyOf(v: YamlValue): string {
  return Array.isArray(v) ? '[]' : '{}';
}

function lines(value: YamlValue, indent: string): string[] {
  if (isScalar(value)) return [`${indent}${scalar(value)}`];
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const item of value as readonly YamlValue[]) {
      if (isScalar(item) || isEmpty(item)) {
        out.push(`${indent}- ${isScalar(item) ? scalar(item) : emptyOf(item)}`);
        continue;
      }
      // The first line of a nested block goes after the dash; the rest keep the deeper indent.
      const nested = lines(item, `${indent}  `);
      out.push(`${indent}- ${nested[0]!.slice(indent.length + 2)}`, ...nested.slice(1));
    }
    return out;
  }
  const out: string[] = [];
  for (const [k, v] of entries(value as Record<string, YamlValue>)) {
    if (isBlockText(v)) out.push(`${indent}${key(k)}: |`, ...v.slice(0, -1).split('\n').map((l) => `${indent}  ${l}`));
    else if (isScalar(v)) out.push(`${indent}${key(k)}: ${scalar(v)}`);
    else if (isEmpty(v)) out.push(`${indent}${key(k)}: ${emptyOf(v)}`);
    else out.push(`${indent}${key(k)}:`, ...lines(v, Array.isArray(v) ? indent : `${indent}  `));
  }
  return out;
}

/** One YAML document. */
export function toYaml(value: YamlValue): string {
  if (isScalar(value) || isEmpty(value)) throw new Error('a YAML document here must be a non-empty mapping or sequence');
  return `${lines(value, '').join('\n')}\n`;
}

/** Several documents in one file, `---` between them, with an optional leading comment. */
export function toYamlDocuments(docs: readonly YamlValue[], header?: string): string {
  const comment = header === undefined ? '' : `${header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n`;
  return comment + docs.map(toYaml).join('---\n');
}
