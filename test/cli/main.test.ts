import { execFile } from 'node:child_process';
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
});
