// Detections over time, stacked by severity (uPlot on a canvas: 100,000 points stay smooth). Dragging
// across it selects a time range, which the page puts in the URL like any other filter. The canvas has
// a text alternative (role img); the filters above it do the same by keyboard.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Histogram } from '../api/types.ts';
import { describeHistogram, stackHistogram } from '../lib/chart.ts';
import { severityLabel } from '../lib/format.ts';

const HEIGHT = 150;

/** A CSS variable of the page's theme (the chart follows light and dark). */
const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function DetectionsChart(props: {
  histogram: Histogram;
  onRange: (from: number, to: number) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const onRange = useRef(props.onRange);
  onRange.current = props.onRange;
  const { histogram } = props;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const stacked = stackHistogram(histogram);
    const fg = cssVar('--muted') || '#565e67';
    const grid = cssVar('--border') || '#d0d7de';
    const step = uPlot.paths.stepped?.({ align: 1 });
    // Drawn from the total down, so each smaller running total paints over the band above it.
    const layers = [...stacked.layers].reverse();
    const plot = new uPlot(
      {
        width: el.clientWidth || 800,
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
        select: { show: true, left: 0, top: 0, width: 0, height: 0 },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
          { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 50 },
        ],
        series: [
          {},
          ...layers.map((l) => {
            const colour = cssVar(`--sev-${l.severity}`) || cssVar('--off') || '#6e7781';
            return {
              label: l.label,
              stroke: colour,
              fill: colour,
              width: 0,
              paths: step,
              points: { show: false },
            };
          }),
        ],
        hooks: {
          setSelect: [
            (u) => {
              if (u.select.width < 3) return;
              const a = u.posToVal(u.select.left, 'x');
              const b = u.posToVal(u.select.left + u.select.width, 'x');
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              onRange.current(a * 1000, b * 1000);
            },
          ],
        },
      },
      [stacked.x, ...layers.map((l) => l.top)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [histogram]);

  return (
    <figure className="chart">
      <div ref={box} className="chart-canvas" role="img" aria-label={describeHistogram(histogram)} />
      <figcaption>
        <span className="legend">
          {[5, 4, 3, 2, 1].map((s) => (
            <span key={s} className={`key sev-${s}`}>
              <span className="swatch" aria-hidden="true" />
              {severityLabel(s)}
            </span>
          ))}
        </span>
        <span className="hint">Drag across the chart to search that time range.</span>
      </figcaption>
    </figure>
  );
}
