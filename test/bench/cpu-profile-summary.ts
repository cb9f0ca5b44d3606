import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Summarizes a V8 `.cpuprofile` (as `node --cpu-prof` writes it) into the functions and files
 * with the most self time, so the bench can name hot spots without opening DevTools.
 */

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
}

/** Self time of one function or file, as a share of the busy samples. */
export interface HotSpot {
  name: string;
  selfPercent: number;
}

export interface ProfileSummary {
  profilePath: string;
  topFunctions: HotSpot[];
  topFiles: HotSpot[];
}

/** Samples V8 takes while the thread waits for work; left out of the shares. */
const IDLE = '(idle)';

/**
 * Reads the busiest `.cpuprofile` in `directory` and returns its top `limit` functions and
 * files by self time, as shares of the samples where the thread was not idle. Node writes one
 * profile per thread, and tsx's module loader runs in a thread of its own, so the busiest
 * profile is the main thread's.
 */
export function summarizeCpuProfile(directory: string, limit: number): ProfileSummary {
  const profiles = readdirSync(directory)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => {
      const profilePath = join(directory, name);
      const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
      return { profilePath, profile, busyHits: busyHits(profile) };
    })
    .sort((left, right) => right.busyHits - left.busyHits);
  const busiest = profiles[0];
  if (busiest === undefined) throw new Error(`no .cpuprofile in ${directory}; did the profiled process exit normally?`);

  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of busiest.profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === IDLE) continue;
    const file = displayPath(node.callFrame.url);
    const functionName = node.callFrame.functionName === '' ? '(anonymous)' : node.callFrame.functionName;
    // Line numbers are left out: under tsx they count lines of the transformed code, not of the source.
    const location = file === '' ? functionName : `${functionName} ${file}`;
    byFunction.set(location, (byFunction.get(location) ?? 0) + hits);
    const fileKey = file === '' ? functionName : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
  }
  return {
    profilePath: busiest.profilePath,
    topFunctions: top(byFunction, busiest.busyHits, limit),
    topFiles: top(byFile, busiest.busyHits, limit),
  };
}

function busyHits(profile: CpuProfile): number {
  return profile.nodes.reduce((total, node) => total + (node.callFrame.functionName === IDLE ? 0 : (node.hitCount ?? 0)), 0);
}

function displayPath(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = fileURLToPath(url);
  return path.startsWith(REPOSITORY_ROOT) ? relative(REPOSITORY_ROOT, path) : path;
}

function top(hits: Map<string, number>, totalHits: number, limit: number): HotSpot[] {
  return [...hits.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, limit)
    .map(([name, count]) => ({ name, selfPercent: totalHits === 0 ? 0 : (count * 100) / totalHits }));
}
