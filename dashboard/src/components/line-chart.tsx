import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatClockTime } from '../format.js';

interface LineChartProps {
  /** Columns: times in Unix seconds, then the values. */
  data: [number[], number[]];
  seriesLabel: string;
  /** Read by screen readers in place of the drawing. */
  label: string;
  heightPx?: number;
}

/** Draws a single-series line chart, sized to its container's width. */
export function LineChart({ data, seriesLabel, label, heightPx = 180 }: LineChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const css = getComputedStyle(element);
    const stroke = css.getPropertyValue('--accent').trim() || '#2457c5';
    const axisColor = css.getPropertyValue('--muted').trim() || '#5b6475';
    const axis = { stroke: axisColor, grid: { stroke: css.getPropertyValue('--grid').trim() || '#e3e6ec' } };

    const plot = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height: heightPx,
        legend: { show: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: { y: { range: (_self, _min, max) => [0, Math.max(1, max)] } },
        // Whole-second local times: the default labels show milliseconds when readings are seconds apart.
        axes: [{ ...axis, space: 90, values: (_self, ticks) => ticks.map((seconds) => formatClockTime(seconds * 1_000)) }, { ...axis, size: 50 }],
        series: [{}, { label: seriesLabel, stroke, width: 2, fill: `${stroke}22`, points: { show: false } }],
      },
      data,
      element,
    );
    chart.current = plot;

    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(200, element.clientWidth), height: heightPx }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
      chart.current = undefined;
    };
  }, [seriesLabel, heightPx]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return <div ref={container} class="line-chart" role="img" aria-label={label} />;
}
