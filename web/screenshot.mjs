// Screenshot of a kda report for the docs (README, docs/report.md):
//   node web/screenshot.mjs REPORT.html OUT.png [HEIGHT]
// Prints each chart's drawn marks and fails on any console error, so a screenshot is never of a
// broken page.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(path.dirname(fileURLToPath(import.meta.url)) + '/');
const { chromium } = require('playwright-core');
const [html, out, height] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await b.newPage({ viewport: { width: 1280, height: Number(height || 1600) } });
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));
await page.goto('file://' + path.resolve(html));
await page.waitForFunction(() => document.body.dataset.rendered === '1');
const marks = await page.evaluate(() => Object.fromEntries(Object.entries(window.kdaCharts).map(([id, c]) =>
  [id, c.data.datasets.map((d, i) => c.getDatasetMeta(i).data.filter((e) => !e.skip).length)])));
console.log(JSON.stringify(marks));
await page.screenshot({ path: out });
await b.close();
if (errors.length) { console.error('console errors:', errors); process.exit(1); }
