import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/correlation/incident.js';
import {
  browserAvailability,
  ensureDashboardBuilt,
  getJson,
  launchBrowser,
  openPage,
  saveScreenshot,
  signToken,
  startFaultline,
  waitFor,
  type OpenBrowser,
  type RunningFaultline,
} from './dashboard-harness.js';
import { ReferenceTraceSender } from './reference-traces.js';

const availability = browserAvailability();

describe.runIf(availability.run)('dashboard with auth on', () => {
  let faultline: RunningFaultline;
  let browser: OpenBrowser;
  let viewerToken = '';
  let operatorToken = '';
  let incidentId = '';

  beforeAll(async () => {
    if (availability.reason !== '') throw new Error(availability.reason);
    await ensureDashboardBuilt();
    faultline = await startFaultline({ auth: true });
    browser = await launchBrowser();
    viewerToken = await signToken('vera', ['viewer']);
    operatorToken = await signToken('oscar', ['viewer', 'operator']);

    const sender = new ReferenceTraceSender(faultline.otlpGrpcAddress);
    const stopFailures = sender.startFailures(100);
    try {
      const opened = await waitFor(
        'an incident in the API',
        async () => (await getJson<{ incidents: Incident[] }>(faultline.baseUrl, '/api/v1/incidents', viewerToken)).incidents[0],
        15_000,
      );
      incidentId = opened.id;
    } finally {
      await stopFailures();
      await sender.shutdown();
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await faultline?.stop();
  });

  it('asks for a token before showing anything', async () => {
    const { page, errors } = await openPage(browser, `${faultline.baseUrl}/#/incidents`);

    await page.getByRole('heading', { name: 'Sign in to Faultline' }).waitFor();

    expect(await page.getByRole('heading', { name: 'Incidents' }).count()).toBe(0);
    expect(await page.getByLabel('Token').count()).toBe(1);
    expect(errors).toEqual([]);
    await saveScreenshot(page, 'token-prompt');
    await page.close();
  });

  it('asks again when the server rejects the token', async () => {
    const { page } = await openPage(browser, `${faultline.baseUrl}/#/incidents`);
    const forged = `${viewerToken.slice(0, viewerToken.lastIndexOf('.'))}.${'A'.repeat(43)}`;

    await page.getByLabel('Token').fill(forged);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('alert').filter({ hasText: 'rejected the token' }).waitFor();
    expect(await page.getByLabel('Token').count()).toBe(1);
    expect(await page.evaluate("sessionStorage.getItem('faultline.token')")).toBeNull();
    await page.close();
  });

  it('shows a viewer the incident without action buttons', async () => {
    const { page, errors } = await openPage(browser, `${faultline.baseUrl}/#/incidents/${incidentId}`);

    await page.getByLabel('Token').fill(viewerToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Propagation path' }).waitFor();
    await page.getByText('vera (viewer)').waitFor();

    expect(await page.getByRole('button', { name: 'Recover' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Resolve' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    // Without trace_url_template, sample trace ids are plain text.
    const samples = page.locator('section', { has: page.getByRole('heading', { name: 'Sample traces' }) });
    expect(await samples.locator('code').first().textContent()).toMatch(/^[0-9a-f]{32}$/);
    expect(await samples.getByRole('link').count()).toBe(0);
    expect(await page.evaluate("sessionStorage.getItem('faultline.token')")).toBe(viewerToken);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lets an operator acknowledge an incident', async () => {
    const { page, errors } = await openPage(browser, `${faultline.baseUrl}/#/incidents/${incidentId}`);

    await page.getByLabel('Token').fill(operatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Acknowledge' }).click();

    await page.getByText('by oscar at').waitFor();
    const { incidents } = await getJson<{ incidents: (Incident & { acknowledged: { by: string } | null })[] }>(faultline.baseUrl, '/api/v1/incidents', operatorToken);
    expect(incidents.find((incident) => incident.id === incidentId)?.acknowledged?.by).toBe('oscar');
    expect(await page.getByRole('button', { name: 'Recover' }).count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
