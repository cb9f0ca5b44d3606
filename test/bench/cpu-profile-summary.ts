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
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

/** Self time of one function or file, as a share of all samples. */
export interface HotSpot {
  name: string;
  selfPercent: number;
}

export interface ProfileSummary {
  profilePath: string;
  topFunctions: HotSpot[];
  topFiles: HotSpot[];
}

/** Reads the newest `.cpuprofile` in `directory` and returns its top `limit` functions and files. */
export function summarizeCpuProfile(directory: string, limit: number): ProfileSummary {
  const profiles = readdirSync(directory).filter((name) => name.endsWith('.cpuprofile')).sort();
  const newest = profiles.at(-1);
  if (newest === undefined) throw new Error(`no .cpuprofile in ${directory}; did the profiled process exit normally?`);
  const profilePath = join(directory, newest);
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;

  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let totalHits = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    totalHits += hits;
    const file = displayPath(node.callFrame.url);
    const functionName = node.callFrame.functionName === '' ? '(anonymous)' : node.callFrame.functionName;
    const location = file === '' ? functionName : `${functionName} ${file}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(location, (byFunction.get(location) ?? 0) + hits);
    const fileKey = file === '' ? functionName : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
  }
  return { profilePath, topFunctions: top(byFunction, totalHits, limit), topFiles: top(byFile, totalHits, limit) };
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
