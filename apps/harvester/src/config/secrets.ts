// Secrets in the configuration: `{ "$env": "NAME" }` or `{ "$file": "path" }` in place of a
// string value. They are resolved when the configuration is loaded, and their paths remembered so
// that `config show` (and anything else that prints the configuration) can redact them.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigIssue } from '@harvester-ts/core';

export interface SecretResolution {
  value: unknown;
  /** Dotted paths of the values that came from a secret reference, with where they came from. */
  secrets: Map<string, string>;
  issues: ConfigIssue[];
}

function isSecretRef(value: unknown): value is { $env: string } | { $file: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === '$env' || keys[0] === '$file');
}

function dotted(path: (string | number)[]): string {
  return path.map(String).join('.');
}

/**
 * Replaces every secret reference in `config` (a JSON-like tree) by its value. `baseDir` is where
 * relative `$file` paths start. Missing variables and unreadable files are issues, all reported.
 */
export function resolveSecrets(
  config: unknown,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): SecretResolution {
  const secrets = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (isSecretRef(value)) {
      const at = dotted(path);
      if ('$env' in value) {
        const name = value.$env;
        const v = typeof name === 'string' ? env[name] : undefined;
        if (typeof name !== 'string' || name === '') {
          issues.push({ path: at, message: '$env must name an environment variable' });
        } else if (v === undefined) {
          issues.push({ path: at, message: `environment variable ${name} is not set` });
        } else {
          secrets.set(at, `env ${name}`);
          return v;
        }
        return undefined;
      }
      const file = value.$file;
      if (typeof file !== 'string' || file === '') {
        issues.push({ path: at, message: '$file must be a file path' });
        return undefined;
      }
      const full = resolve(baseDir, file);
      try {
        // A trailing newline is an artefact of how the file was written, not part of the secret.
        const content = readFileSync(full, 'utf8').replace(/\r?\n$/, '');
        secrets.set(at, `file ${full}`);
        return content;
      } catch (err) {
        issues.push({ path: at, message: `cannot read secret file ${full}: ${(err as Error).message}` });
        return undefined;
      }
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return value;
  };
  return { value: walk(config, []), secrets, issues };
}

/** Keys whose string values are secrets even when written inline. */
const SECRET_KEY = /(password|passwd|secret|token|credential|apikey|api_key|privatekey)$/i;

/**
 * A copy of `config` with secrets replaced by a note of where they come from: every path in
 * `secrets`, and every string under a key that names a secret (`password`, `token`, ...).
 */
export function redactSecrets(config: unknown, secrets: ReadonlyMap<string, string>): unknown {
  const walk = (value: unknown, path: (string | number)[], key: string | undefined): unknown => {
    const from = secrets.get(dotted(path));
    if (from !== undefined) return `[redacted: from ${from}]`;
    if (typeof value === 'string' && key !== undefined && SECRET_KEY.test(key) && value !== '') {
      return '[redacted]';
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i], key));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k], k);
      return out;
    }
    return value;
  };
  return walk(config, [], undefined);
}
