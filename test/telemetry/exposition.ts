import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Prometheus tools, used as the reference reader of the text format. */
export const PROMTOOL_PATH = '/usr/bin/promtool';
export const PROMETHEUS_PATH = '/usr/bin/prometheus';

/**
 * Returns why a test that needs `path` should be skipped, or undefined when it runs. With `CI`
 * set, a missing binary fails the test instead, so CI cannot pass without running it.
 */
export function skipReasonFor(path: string): string | undefined {
  if (existsSync(path) || process.env['CI'] !== undefined) return undefined;
  return `${path} is not installed; install Debian's prometheus package to run this test`;
}

/** Throws a clear error when `path` is missing, instead of a bare spawn ENOENT. */
export function requireBinary(path: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing; CI must install Debian's prometheus package so that this test runs`);
}

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** `# TYPE` of each metric family, by family name. */
  types: Map<string, string>;
  /** Family names that have a `# HELP` line with text. */
  helped: Set<string>;
  samples: ExpositionSample[];
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Parses Prometheus text format 0.0.4; throws on a line it cannot read. */
export function parseExposition(text: string): Exposition {
  const exposition: Exposition = { types: new Map(), helped: new Set(), samples: [] };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.+)$/.exec(line);
    if (comment !== null) {
      const [, kind, name, rest] = comment;
      if (kind === 'TYPE' && name !== undefined && rest !== undefined) exposition.types.set(name, rest);
      if (kind === 'HELP' && name !== undefined) exposition.helped.add(name);
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (sample === null) throw new Error(`unreadable exposition line: ${line}`);
    const [, name = '', labelText = '', valueText = ''] = sample;
    const labels: Record<string, string> = {};
    for (const pair of labelText.matchAll(LABEL_PAIR)) labels[pair[1] ?? ''] = pair[2] ?? '';
    exposition.samples.push({ name, labels, value: parseValue(valueText) });
  }
  return exposition;
}

/** Returns the value of the one sample with this name and exactly these labels, or undefined. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const expected = JSON.stringify(Object.entries(labels).sort());
  const match = exposition.samples.find((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === expected);
  return match?.value;
}

export interface PromtoolResult {
  exitCode: number | null;
  output: string;
}

/** Runs `promtool check metrics` with the text on stdin. */
export function promtoolCheckMetrics(text: string): Promise<PromtoolResult> {
  requireBinary(PROMTOOL_PATH);
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL_PATH, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, output }));
    child.stdin.end(text);
  });
}
