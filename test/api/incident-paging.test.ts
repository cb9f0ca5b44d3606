import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentView } from '../../src/api/incident-view.js';
import { sendFailingTrace, startFaultline, waitFor, type RunningFaultline } from './api-harness.js';

interface IncidentPageBody {
  incidents: IncidentView[];
  nextCursor: string | null;
}

const SERVICE_COUNT = 7;

describe('incident paging', () => {
  let faultline: RunningFaultline;

  async function page(query: string): Promise<IncidentPageBody> {
    const response = await fetch(`${faultline.baseUrl}/api/v1/incidents?${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as IncidentPageBody;
  }

  async function pageThrough(query: string): Promise<IncidentPageBody[]> {
    const pages = [await page(query)];
    for (let cursor = pages[0]?.nextCursor; cursor !== null && cursor !== undefined; cursor = pages.at(-1)?.nextCursor) {
      pages.push(await page(`${query}&cursor=${encodeURIComponent(cursor)}`));
    }
    return pages;
  }

  beforeAll(async () => {
    faultline = await startFaultline();
    for (let index = 0; index < SERVICE_COUNT; index += 1) {
      await sendFailingTrace(faultline.otlpHttpUrl, index % 2 === 0 ? 'NeuroWeaver' : 'RelayCore', `service-${index}`);
      await waitFor(`incident ${index}`, () => (faultline.service.incidents({}).length > index ? true : undefined));
    }
  });

  afterAll(async () => {
    await faultline.stop();
  });

  it('pages through every incident once, newest first', async () => {
    const pages = await pageThrough('limit=3');
    const ids = pages.flatMap((item) => item.incidents.map((incident) => incident.id));
    const openedAt = pages.flatMap((item) => item.incidents.map((incident) => incident.openedAtMs));

    expect(pages.map((item) => item.incidents.length)).toEqual([3, 3, 1]);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    expect(new Set(ids).size).toBe(SERVICE_COUNT);
    expect(ids).toEqual(faultline.service.incidents({}).map((incident) => incident.id));
    expect(openedAt).toEqual([...openedAt].sort((left, right) => right - left));
  });

  it('pages a filtered list', async () => {
    const pages = await pageThrough('system=NeuroWeaver&limit=2');

    expect(pages.map((item) => item.incidents.length)).toEqual([2, 2]);
    expect(pages.flatMap((item) => item.incidents.map((incident) => incident.rootCause.service))).toEqual(['service-6', 'service-4', 'service-2', 'service-0']);
  });

  it('returns only incidents opened since a time', async () => {
    const all = faultline.service.incidents({});
    const sinceMs = all[2]?.openedAtMs ?? 0;

    const body = await page(`since=${sinceMs}`);

    expect(body.incidents.length).toBeGreaterThanOrEqual(3);
    expect(body.incidents.every((incident) => incident.openedAtMs >= sinceMs)).toBe(true);
    expect(body.incidents.map((incident) => incident.id)).toEqual(all.filter((incident) => incident.openedAtMs >= sinceMs).map((incident) => incident.id));
  });

  it('returns an empty page for a future since', async () => {
    const body = await page(`since=${Date.now() + 60_000}`);

    expect(body).toEqual({ incidents: [], nextCursor: null });
  });
});
