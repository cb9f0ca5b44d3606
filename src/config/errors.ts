import type { z } from 'zod';

/** The configuration is invalid; the message names the key, the rule and the value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The password part of a URL such as `http://user:secret@host`, which error messages must not show. */
const URL_PASSWORD = /(\/\/[^/@\s:]*):[^/@\s]*@/g;

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? typeof value;
  return text.replace(URL_PASSWORD, '$1:***@');
}

/** Turns zod issues into one message per line, each starting with the full key. */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[], prefix: string, input: unknown): string {
  return issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((key) => `${path === '' ? '' : `${path}.`}${key}`);
        return `unknown key ${keys.join(', ')}`;
      }
      if (issue.message.includes(', got ')) return `${path} ${issue.message}`;
      return `${path} ${issue.message}, got ${describeValue(valueAt(input, issue.path))}`;
    })
    .join('\n');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Parses `input` with `schema`, throwing a ConfigError that names every invalid key under `prefix`. */
export function parseSection<T extends z.ZodType>(schema: T, input: unknown, prefix: string): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ConfigError(formatConfigIssues(result.error.issues, prefix, input ?? {}));
}
