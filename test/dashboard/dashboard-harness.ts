/**
 * Runs a real FaultlineService with the status API and the built dashboard, and a headless
 * Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the dashboard tests.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { parseConfigText } from '../../src/config/faultline-config.js';
import { FaultlineService } from '../../src/service.js';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SCREENSHOT_DIRECTORY = join(REPOSITORY_ROOT, 'docs', 'screenshots');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The HMAC secret the auth tests configure through the environment; HS256 requires at least 32 bytes. */
export const JWT_SECRET = 'dashboard-test-secret-0123456789abcdef';
export const JWT_AUDIENCE = 'faultline-dashboard-test';
const JWT_SECRET_ENV = 'FAULTLINE_DASHBOARD_TEST_JWT_SECRET';

/** The one recovery policy's name, and its verify window: short, so an incident escalates within seconds. */
export const POLICY_NAME = 'neuroweaver_model';
export const VERIFY_WINDOW_MS = 500;

/**
 * Decides whether the browser tests run. Without Chromium they are skipped with a message, unless
 * CI is set: there a missing browser is a failure, so the suite cannot pass by skipping.
 */
export function browserAvailability(): { run: boolean; reason: string } {
  if (existsSync(CHROMIUM_PATH)) return { run: true, reason: '' };
  const reason = `dashboard browser tests need Chromium at ${CHROMIUM_PATH} (Debian package "chromium")`;
  if (process.env.CI !== undefined && process.env.CI !== '') return { run: true, reason };
  console.warn(`skipping: ${reason}`);
  return { run: false, reason };
}

const DASHBOARD_INDEX = join(REPOSITORY_ROOT, 'dashboard', 'dist', 'index.html');
/** Taken with mkdir, which is atomic, so test files running in parallel build the dashboard once. */
const BUILD_LOCK = join(tmpdir(), 'faultline-dashboard-build.lock');
const BUILD_TIMEOUT_MS = 60_000;

/**
 * Builds the dashboard unless dashboard/dist already has index.html. A dist built from older
 * sources is used as it is; `node dashboard/build.mjs` refreshes it.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  if (existsSync(DASHBOARD_INDEX)) return;
  try {
    mkdirSync(BUILD_LOCK);
  } catch {
    await waitFor('the dashboard build of another test file', () => (existsSync(BUILD_LOCK) ? undefined : true), BUILD_TIMEOUT_MS);
    return;
  }
  try {
    execFileSync(process.execPath, ['dashboard/build.mjs'], { cwd: REPOSITORY_ROOT, stdio: 'pipe', timeout: BUILD_TIMEOUT_MS });
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/**
 * Saves a full-page screenshot to docs/screenshots/NAME.png when FAULTLINE_UPDATE_SCREENSHOTS=1,
 * so ordinary test runs leave the committed images alone.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.FAULTLINE_UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIRECTORY, `${name}.png`), fullPage: true });
}

export interface FaultlineOptions {
  /** True to require HS256 bearer tokens signed with JWT_SECRET. */
  auth: boolean;
  /** host:port of a RecoveryControl server; recovery is off without it. */
  controlAddress?: string;
  traceUrlTemplate?: string;
}

export interface RunningFaultline {
  service: FaultlineService;
  /** http://host:port of the status API and dashboard. */
  baseUrl: string;
  otlpGrpcAddress: string;
  stop(): Promise<void>;
}

/** Starts FaultlineService in this process with the OTLP/gRPC receiver and the status API on free ports. */
export async function startFaultline(options: FaultlineOptions): Promise<RunningFaultline> {
  const directory = mkdtempSync(join(tmpdir(), 'faultline-dashboard-'));
  const config = parseConfigText(configText(options, directory), { ...process.env, [JWT_SECRET_ENV]: JWT_SECRET }, 'dashboard test config');
  const service = new FaultlineService(config, pino({ level: 'silent' }));
  await service.start();

  const addresses = service.addresses();
  if (addresses.grpc === undefined || addresses.status_api === undefined) throw new Error(`faultline started without grpc or status_api: ${JSON.stringify(addresses)}`);
  return {
    service,
    baseUrl: `http://${addresses.status_api}`,
    otlpGrpcAddress: addresses.grpc,
    stop: async () => {
      await service.shutdown();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function configText(options: FaultlineOptions, directory: string): string {
  const statusApi = [`endpoint: 127.0.0.1:0`];
  if (options.traceUrlTemplate !== undefined) statusApi.push(`trace_url_template: ${JSON.stringify(options.traceUrlTemplate)}`);
  if (options.auth) {
    statusApi.push(`auth: { jwt: { algorithms: [HS256], secret_env: ${JWT_SECRET_ENV}, audience: ${JWT_AUDIENCE} } }`);
  }
  const extensions = ['status_api'];
  let recovery = '';
  if (options.controlAddress !== undefined) {
    extensions.push('recovery');
    recovery = `  recovery:
    targets:
      neuroweaver:
        endpoints: [${JSON.stringify(options.controlAddress)}]
        tls: { insecure: true }
        timeout: 5s
    policies:
      - name: ${POLICY_NAME}
        match: { system: NeuroWeaver }
        steps:
          - { action: switch_model, target: neuroweaver, component: model }
          - { action: restart_model, target: neuroweaver, component: model }
        retry: { max_attempts: 2, initial_backoff: 50ms, max_backoff: 100ms }
        verify: { window: ${VERIFY_WINDOW_MS}ms }
        cooldown: 0s
    max_actions_per_minute: 100
    dry_run: false
    audit: { path: ${JSON.stringify(join(directory, 'audit.db'))} }
`;
  }
  return `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation:
    wait_duration: 200ms
    incidents: { window: 30s, min_traces: 3, min_error_ratio: 0.1, resolve_after: 5m }
extensions:
  status_api: { ${statusApi.join(', ')} }
${recovery}service:
  extensions: [${extensions.join(', ')}]
  pipelines:
    traces: { receivers: [otlp], processors: [errorcorrelation] }
`;
}

/** Signs an HS256 token for the auth config above. */
export function signToken(subject: string, roles: string[]): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

export interface OpenBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium headless with a fresh profile in a temp dir. */
export async function launchBrowser(): Promise<OpenBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'faultline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page whose console errors and uncaught exceptions are collected. */
export interface WatchedPage {
  page: Page;
  errors: string[];
}

export async function openPage(browser: OpenBrowser, url: string): Promise<WatchedPage> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
  });
  await page.goto(url);
  return { page, errors };
}

/** Polls `read` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, read: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads a JSON route of the status API, with a token when given. */
export async function getJson<T>(baseUrl: string, path: string, token?: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${path} failed with HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}
