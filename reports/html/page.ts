/** The shell shared by report.html and compare.html: one self-contained file, styles and scripts inline, no network. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { escapeXml } from '../xml-text.js';

const require = createRequire(import.meta.url);

let assets: { uplotJs: string; uplotCss: string; pageCss: string; chartsJs: string } | undefined;

/** Read once per process: a run writes report.html and maybe compare.html. */
function pageAssets(): NonNullable<typeof assets> {
  assets ??= {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    pageCss: readFileSync(join(packageRoot, 'reports/html/page.css'), 'utf8'),
    chartsJs: readFileSync(join(packageRoot, 'reports/html/charts.js'), 'utf8'),
  };
  return assets;
}

/** Text inside <script>: "</script" would end the element early. */
function scriptText(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1');
}

export const esc = escapeXml;

export function htmlTable(head: string[], rows: string[][], className = ''): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${className ? ` class="${className}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** `chartData`, when given, is embedded as JSON and drawn by charts.js into the elements with data-chart. */
export function htmlPage(title: string, body: string, chartData?: unknown): string {
  const a = pageAssets();
  const charts =
    chartData === undefined
      ? ''
      : // JSON with "<" escaped cannot close its script element.
        `<script type="application/json" id="rtcstorm-data">${JSON.stringify(chartData).replace(/</g, '\\u003c')}</script>
<script>${scriptText(a.uplotJs)}</script>
<script>${scriptText(a.chartsJs)}</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
<style>${a.uplotCss}</style>
<style>${a.pageCss}</style>
</head>
<body>
${body}
${charts}
</body>
</html>
`;
}

/** A chart's place in a page: charts.js draws the one named `key` into it. */
/** `index`: which of several charts of one kind (a capacity search's SLOs). */
export function chart(key: string, title: string, index?: number): string {
  const id = index === undefined ? key : `${key}-${index}`;
  return `<figure class="chart"><figcaption>${esc(title)}</figcaption><div class="plot" id="chart-${id}" data-chart="${key}"${index === undefined ? '' : ` data-index="${index}"`}></div></figure>`;
}
