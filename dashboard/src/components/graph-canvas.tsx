import { useEffect, useRef, useState } from 'preact/hooks';
import type { Core, ElementDefinition, StylesheetJson } from 'cytoscape';
import type { GraphModel } from './graph-model.js';

const COLUMN_WIDTH_PX = 320;
const ROW_HEIGHT_PX = 120;
/** Keeps a graph of two or three services from being blown up to fill the canvas. */
const MAX_ZOOM = 1.1;

interface GraphCanvasProps {
  model: GraphModel;
  /** Read by screen readers in place of the drawing; the page also shows the data as a table. */
  label: string;
  heightPx?: number;
}

/**
 * Draws a graph with cytoscape, loaded on first use so the overview does not wait for it.
 * Failing edges are dashed and labelled, not only coloured.
 */
export function GraphCanvas({ model, label, heightPx = 320 }: GraphCanvasProps) {
  const container = useRef<HTMLDivElement>(null);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let cy: Core | undefined;
    let cancelled = false;
    import('cytoscape')
      .then(({ default: cytoscape }) => {
        if (cancelled || container.current === null) return;
        cy = cytoscape({
          container: container.current,
          elements: toElements(model),
          style: graphStyle(container.current),
          layout: { name: 'preset', fit: true, padding: 24 },
          maxZoom: MAX_ZOOM,
          userZoomingEnabled: false,
          boxSelectionEnabled: false,
          autoungrabify: true,
        });
      })
      .catch((error: unknown) => setLoadError(String(error)));
    return () => {
      cancelled = true;
      cy?.destroy();
    };
  }, [model]);

  if (loadError !== undefined) return <p class="error">The graph could not be drawn: {loadError}</p>;
  return <div ref={container} class="graph-canvas" role="img" aria-label={label} style={{ height: `${heightPx}px` }} />;
}

function toElements(model: GraphModel): ElementDefinition[] {
  const elements: ElementDefinition[] = [];
  for (const system of model.systems) elements.push({ group: 'nodes', data: { id: system.id, label: system.label }, classes: 'system' });
  for (const service of model.services) {
    elements.push({
      group: 'nodes',
      data: { id: service.id, parent: service.parent, label: service.rootCause ? `${service.label}\n(root cause)` : service.label },
      position: { x: service.column * COLUMN_WIDTH_PX, y: service.row * ROW_HEIGHT_PX },
      classes: service.rootCause ? 'service root-cause' : 'service',
    });
  }
  for (const edge of model.edges) {
    elements.push({ group: 'edges', data: { id: edge.id, source: edge.source, target: edge.target, label: edge.label }, classes: edge.failing ? 'failing' : 'ok' });
  }
  return elements;
}

/** Builds the cytoscape style from the page's CSS variables, so the graph follows the light or dark scheme. */
function graphStyle(element: HTMLElement): StylesheetJson {
  const css = getComputedStyle(element);
  const color = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const text = color('--text', '#1d2330');
  const muted = color('--muted', '#5b6475');
  const surface = color('--surface', '#ffffff');
  const systemFill = color('--system-fill', '#eef1f6');
  const danger = color('--danger', '#b3261e');
  const line = color('--line', '#8a93a6');

  return [
    {
      selector: 'node.system',
      style: { label: 'data(label)', 'text-valign': 'top', 'text-halign': 'center', 'font-size': 13, 'font-weight': 'bold', color: text, 'background-color': systemFill, 'border-color': muted, 'border-width': 1, 'border-style': 'dashed', padding: '18px', shape: 'round-rectangle' },
    },
    {
      selector: 'node.service',
      style: { label: 'data(label)', 'text-wrap': 'wrap', 'text-valign': 'center', 'text-halign': 'center', 'font-size': 12, color: text, 'background-color': surface, 'border-color': text, 'border-width': 1.5, shape: 'round-rectangle', width: 130, height: 44 },
    },
    { selector: 'node.root-cause', style: { shape: 'round-diamond', 'border-color': danger, 'border-width': 4, 'border-style': 'double', width: 150, height: 70 } },
    {
      selector: 'edge',
      style: { label: 'data(label)', 'font-size': 11, color: text, 'text-rotation': 'autorotate', 'text-margin-y': -12, 'text-background-color': surface, 'text-background-opacity': 0.9, 'text-background-padding': '2px', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', width: 1.5, 'line-color': line, 'target-arrow-color': line },
    },
    { selector: 'edge.failing', style: { 'line-style': 'dashed', 'line-dash-pattern': [8, 4], width: 3, 'line-color': danger, 'target-arrow-color': danger, color: danger, 'font-weight': 'bold' } },
  ];
}
