import type { SpanRecord } from '../model/span.js';

/**
 * The parent-child structure of one trace, built from parent span ids only (never from
 * timestamps, because services' clocks disagree). Spans are referred to by their index in
 * the trace's span array.
 */
export interface TraceTree {
  /** The parent of each span in the tree; -1 for a top span. */
  parentIndex: Int32Array;
  /** Parent links from each top span down to each span: 0 for a top span. */
  depth: Int32Array;
  /** The children of each span in the tree, in span order. */
  children: readonly (readonly number[])[];
  /** Every span index once, each parent before its children. */
  order: Int32Array;
}

/**
 * Builds the tree of a trace. A top span is one with an empty parent id or a parent that is
 * not in the trace (an orphaned subtree). Spans that only reach each other through a parent
 * cycle, which only malformed data produces, are walked from the first of them in span order,
 * so every span is in the tree exactly once.
 *
 * `indexById` maps each span id to its index; with duplicate ids the last span wins.
 */
export function buildTraceTree(spans: readonly SpanRecord[], indexById: ReadonlyMap<string, number>): TraceTree {
  const count = spans.length;
  const linkedChildren: number[][] = Array.from({ length: count }, () => []);
  const tops: number[] = [];
  for (let index = 0; index < count; index++) {
    const parent = parentOf(spans, indexById, index);
    if (parent < 0) tops.push(index);
    else linkedChildren[parent]?.push(index);
  }

  return walkTree(count, linkedChildren, tops);
}

function parentOf(spans: readonly SpanRecord[], indexById: ReadonlyMap<string, number>, index: number): number {
  const parentSpanId = spans[index]?.parentSpanId ?? '';
  if (parentSpanId === '') return -1;
  const parent = indexById.get(parentSpanId);
  return parent === undefined || parent === index ? -1 : parent;
}

function walkTree(count: number, linkedChildren: readonly (readonly number[])[], tops: readonly number[]): TraceTree {
  const parentIndex = new Int32Array(count).fill(-1);
  const depth = new Int32Array(count);
  const order = new Int32Array(count);
  const visited = new Uint8Array(count);
  const children: number[][] = Array.from({ length: count }, () => []);
  let visitedCount = 0;

  const walkFrom = (top: number): void => {
    visited[top] = 1;
    const stack = [top];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      order[visitedCount++] = next;
      for (const child of linkedChildren[next] ?? []) {
        if (visited[child] === 1) continue;
        visited[child] = 1;
        parentIndex[child] = next;
        depth[child] = (depth[next] ?? 0) + 1;
        children[next]?.push(child);
        stack.push(child);
      }
    }
  };

  for (const top of tops) walkFrom(top);
  for (let index = 0; index < count && visitedCount < count; index++) {
    if (visited[index] === 0) walkFrom(index);
  }
  return { parentIndex, depth, children, order };
}
