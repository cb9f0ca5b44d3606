import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../../bin/faultline.js', import.meta.url).pathname;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function faultline(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('faultline command', () => {
  it('prints usage for --help', async () => {
    const result = await faultline(['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: faultline --config PATH/);
  });

  it('prints the package version for --version', async () => {
    const result = await faultline(['--version']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^faultline \d+\.\d+\.\d+\n$/);
  });

  it('exits 2 with usage when --config is missing', async () => {
    const result = await faultline([]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/missing --config PATH/);
  });

  it('exits 78 naming the key when the config is invalid', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-cli-')), 'bad.yaml');
    writeFileSync(path, 'processors:\n  errorcorrelation:\n    wait_duration: -1s\n');

    const result = await faultline(['--config', path]);

    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`invalid configuration in ${path}`);
    expect(result.stderr).toContain('processors.errorcorrelation.wait_duration must be a positive duration');
  });
});
