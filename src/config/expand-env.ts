import { parse as parseYamlScalar } from 'yaml';
import { ConfigError } from './errors.js';

/** `${env:NAME}` or `${env:NAME:-default}`; `$${` stands for a literal `${`. */
const REFERENCE = /\$\$\{|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g;
const WHOLE_REFERENCE = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*(?::-.*?)?\}$/;

/**
 * Expands environment references in every string of a parsed YAML document, as the
 * Collector does. A string that is one whole reference takes the variable's YAML type, so
 * `${env:PORT}` can fill a number. A variable that is unset and has no default is an error.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') return expandString(value, env, path);
  if (Array.isArray(value)) return value.map((item, index) => expandEnv(item, env, `${path}.${index}`));
  if (value !== null && typeof value === 'object') {
    const expanded: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      expanded[key] = expandEnv(item, env, path === '' ? key : `${path}.${key}`);
    }
    return expanded;
  }
  return value;
}

function expandString(text: string, env: NodeJS.ProcessEnv, path: string): unknown {
  if (!text.includes('${')) return text;

  const replaced = text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const variable = name ?? '';
    const found = env[variable];
    if (found !== undefined) return found;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`${path} refers to environment variable ${variable}, which is not set; set it or give a default as \${env:${variable}:-value}`);
  });

  if (!WHOLE_REFERENCE.test(text)) return replaced;
  const typed: unknown = parseYamlScalar(replaced);
  const isScalar = typeof typed === 'number' || typeof typed === 'boolean';
  return isScalar ? typed : replaced;
}
