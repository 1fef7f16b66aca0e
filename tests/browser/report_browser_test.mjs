// Browser tests of `kda report` and `kda serve` (issue 20), in Debian's chromium driven by
// playwright-core (web/package-lock.json). Every fixture is made by the real kda binary on the
// CPU backend; the expected counts come from kda's own outputs (eval --json traces, the journal),
// never from the page under test.
//
//   node report_browser_test.mjs several|large|live|token   (KDA_BIN, KDA_SOURCE_DIR set by ctest)
//
// Exit 0 pass, 1 fail, 77 skipped (only when the browser cannot start; the reason is printed).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SRC = process.env.KDA_SOURCE_DIR;
const KDA = process.env.KDA_BIN;
const require = createRequire(path.join(SRC, 'web') + '/');
const which = process.argv[2];
const failures = [];
const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `kda-browser-${which}-`));

function kda(args, opts = {}) {
  const r = spawnSync(KDA, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, OMP_NUM_THREADS: '1' }, ...opts });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`kda ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

async function browser() {
  let chromium;
  try { ({ chromium } = require('playwright-core')); } catch (e) {
    throw new Error('playwright-core is not installed: run scripts/install-deps.sh (npm ci in web/)');
  }
  const exe = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  if (!exe) { console.log('SKIPPED: no chromium (/usr/bin/chromium): scripts/install-deps.sh installs it'); process.exit(77); }
  try {
    return await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu'] });
  } catch (e) {
    console.log(`SKIPPED: chromium cannot start: ${String(e).split('\n')[0]}`);
    process.exit(77);
  }
}

function watchConsole(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  return errors;
}

// Drawn marks of each chart, counted from Chart.js's own element lists (not the data given to it).
const marks = (page) => page.evaluate(() => Object.fromEntries(Object.entries(window.kdaCharts).map(([id, c]) =>
  [id, c.data.datasets.reduce((n, d, i) => n + (d.kdaKind === 'ceiling' ? 0 :
    c.getDatasetMeta(i).data.filter((e) => !e.skip && Number.isFinite(e.x) && Number.isFinite(e.y)).length), 0)])));

function vectorAddTask() {
  const task = path.join(tmp, 'va');
  kda(['init', task, '--example', 'vector_add']);
  // Several solutions: the example's candidate, a renamed copy of it, the baseline, and a cheat.
  const copy = path.join(task, 'solutions', 'cpp_omp_copy');
  fs.cpSync(path.join(task, 'solutions', 'cpp_omp'), copy, { recursive: true });
  const sj = JSON.parse(fs.readFileSync(path.join(copy, 'solution.json'), 'utf8'));
  sj.name = sj.name + '_copy';
  fs.writeFileSync(path.join(copy, 'solution.json'), JSON.stringify(sj, null, 1));
  const traces = [];
  for (const s of [path.join(task, 'solutions', 'cpp_omp'), copy, path.join(task, 'baseline', 'cpp'),
    path.join(SRC, 'tests', 'redteam', 'mutate_inputs')]) {
    const r = kda(['eval', task, s, '--json', '--budget', '0.05'], { allowFail: true });
    for (const line of r.stdout.split('\n')) if (line.startsWith('{')) traces.push(JSON.parse(line));
  }
  return { task, traces };
}

async function several() {
  const { task, traces } = vectorAddTask();
  const latest = new Map();
  for (const t of traces) latest.set(`${t.solution}\u0000${t.workload.uuid}`, t);
  const passed = [...latest.values()].filter((t) => t.evaluation.status === 'PASSED').length;
  const solutions = new Set(traces.map((t) => t.solution));
  check(solutions.size >= 4 && passed > 0 && passed < latest.size, `fixture: ${solutions.size} solutions, ${passed} of ${latest.size} latest traces passed`);
  const out = path.join(tmp, 'va.html');
  kda(['report', task, '--out', out]);
  const b = await browser();
  const page = await b.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = watchConsole(page);
  await page.goto('file://' + out);
  await page.waitForFunction(() => document.body.dataset.rendered === '1', null, { timeout: 20000 });
  const m = await marks(page);
  check(m['speedup-0'] === passed, `speedup bars: ${m['speedup-0']} drawn, ${passed} expected (one per solution x workload that passed)`);
  check(m['roofline-0'] === passed, `roofline points: ${m['roofline-0']} drawn, ${passed} expected`);
  const ceilings = await page.evaluate(() => window.kdaCharts['roofline-0'].data.datasets.filter((d) => d.kdaKind === 'ceiling').length);
  check(ceilings >= 1, `roofline ceilings drawn: ${ceilings}`);
  const rows = await page.locator('table.traces tbody tr').count();
  check(rows === traces.length, `trace table rows: ${rows}, traces judged: ${traces.length}`);
  await page.fill('input[data-filter="0"]', 'mutate');
  const cheats = await page.locator('table.traces tbody tr').count();
  check(cheats === traces.filter((t) => /mutate/.test(t.solution)).length && cheats > 0, `the filter finds the cheat's ${cheats} traces`);
  await page.fill('input[data-filter="0"]', '');
  const rejected = await page.locator('table.traces td .REJECTED, table.traces td .RUNTIME_ERROR, table.traces td .INCORRECT_NUMERICAL').count();
  check(rejected === traces.filter((t) => t.evaluation.status !== 'PASSED').length, `failed traces shown with their status: ${rejected}`);
  // Every number links to its trace: follow one speedup link and read the trace it opens.
  const firstPassed = traces.find((t) => t.evaluation.status === 'PASSED');
  const link = page.locator('table.traces a[data-trace]').filter({ hasText: '×' }).first();
  const id = await link.getAttribute('data-trace');
  await link.click();
  await page.waitForSelector('#trace-view.open pre');
  const body = JSON.parse(await page.locator('#trace-view pre').textContent());
  check(body.evaluation && body.evaluation.performance && traces.some((t) => t.solution === body.solution &&
    t.workload.uuid === body.workload.uuid), `link ${id} opens the stored trace of ${body.solution} x ${body.workload && body.workload.uuid}`);
  check(!!firstPassed, 'a passed trace exists');
  const audit = await page.locator('text=passes').count();
  check(audit >= 1, 'provenance: kda audit verify passes is shown');
  check(errors.length === 0, `no console errors (${errors.join(' | ')})`);
  await b.close();
}

async function large() {
  const { task } = vectorAddTask();
  // 10,000 traces: the real ones, copied under 20 solution names by SQLite itself.
  const db = path.join(task, '.kda', 'kda.db');
  const have = Number(spawnSync('sqlite3', [db, 'SELECT count(*) FROM traces'], { encoding: 'utf8' }).stdout.trim());
  const sql = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${10000 - have - 1})
    INSERT INTO traces(solution, solution_hash, workload, status, created_at, json)
    SELECT t.solution || '_v' || (n.i % 20), t.solution_hash, t.workload, t.status, t.created_at,
           json_set(t.json, '$.solution', t.solution || '_v' || (n.i % 20))
    FROM n JOIN traces t ON t.id = 1 + (n.i % ${have});`;
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
  check(r.status === 0, `sqlite3 made the store larger (${r.stderr.trim()})`);
  const count = Number(spawnSync('sqlite3', [db, 'SELECT count(*) FROM traces'], { encoding: 'utf8' }).stdout.trim());
  check(count === 10000, `store holds ${count} traces`);
  const out = path.join(tmp, 'large.html');
  const t0 = Date.now();
  kda(['report', task, '--out', out]);
  const reportMs = Date.now() - t0;
  const b = await browser();
  const page = await b.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = watchConsole(page);
  const start = Date.now();
  await page.goto('file://' + out);
  await page.waitForFunction(() => document.body.dataset.rendered === '1', null, { timeout: 60000 });
  const renderMs = Date.now() - start;
  const pager = await page.locator('#pager-0').textContent();
  check(pager.startsWith('10000 of 10000 traces'), `all 10000 traces listed: ${pager}`);
  const rows = await page.locator('table.traces tbody tr').count();
  check(rows === 200, `one page of the trace table drawn (${rows} rows)`);
  const timing = await page.evaluate(() => ({ parse: window.kdaParseMs, render: window.kdaRenderMs, drawn: window.kdaRenderedAt,
    load: performance.getEntriesByType('navigation')[0].loadEventEnd }));
  await page.evaluate(() => { location.hash = 'trace-s10000'; });
  await page.waitForSelector('#trace-view.open pre');
  const last = JSON.parse(await page.locator('#trace-view pre').textContent());
  check(/_v\d+$/.test(last.solution), `the last trace opens from its link (${last.solution})`);
  const m = await marks(page);
  check(m['speedup-0'] > 0, `speedup bars drawn: ${m['speedup-0']}`);
  check(errors.length === 0, `no console errors (${errors.join(' | ')})`);
  const size = fs.statSync(out).size;
  console.log(`FIGURE report_10000_traces: kda report ${reportMs} ms, html ${(size / 1e6).toFixed(1)} MB, ` +
    `drawn ${timing.drawn.toFixed(0)} ms after navigation start (model parse ${timing.parse.toFixed(0)} ms, ` +
    `views ${timing.render.toFixed(0)} ms), load event ${timing.load.toFixed(0)} ms, goto ${renderMs} ms, ${os.cpus().length} cores, ${os.cpus()[0].model}`);
  // A performance figure, recorded in docs/results.md; the bound here is generous (a loaded 2-core
  // machine must pass), the 2 s is what the figure shows.
  check(timing.drawn < 10000, `drawn ${timing.drawn.toFixed(0)} ms after navigation start (< 10 s bound in the suite; issue 20 asks < 2 s, see docs/results.md)`);
  await b.close();
}

function serve(target, args) {
  const p = spawn(KDA, ['serve', target, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d) => { out += d; const m = out.match(/^(http\S+)\n/m); if (m) resolve({ proc: p, url: m[1] }); });
    p.on('exit', (c) => reject(new Error(`kda serve exited ${c}`)));
  });
}

async function live() {
  const task = path.join(tmp, 'rn');
  kda(['init', task, '--example', 'rmsnorm']);
  const { proc, url } = await serve(task, []);
  const b = await browser();
  const page = await b.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = watchConsole(page);
  await page.goto(url);
  await page.waitForFunction(() => Number(document.body.dataset.rendered) >= 1, null, { timeout: 20000 });
  // Record, in the page, when each round row first appears.
  await page.evaluate(() => {
    window.kdaSeen = {};
    const note = () => document.querySelectorAll('tr[data-round]').forEach((tr) => {
      const k = tr.dataset.round + '@' + tr.dataset.verdict;
      if (!(k in window.kdaSeen)) window.kdaSeen[k] = Date.now();
    });
    new MutationObserver(note).observe(document.body, { childList: true, subtree: true });
  });
  const run = spawn(KDA, ['run', task, '--budget', '0.05'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    env: { ...process.env, OMP_NUM_THREADS: '1' } });
  let runOut = '';
  run.stdout.on('data', (d) => { runOut += d; });
  // Wait for two decided rounds on the page (or the run to end).
  const deadline = Date.now() + 240000;
  let seen = {};
  let ended = false;
  run.on('exit', () => { ended = true; });
  while (Date.now() < deadline) {
    seen = await page.evaluate(() => window.kdaSeen);
    const decided = Object.keys(seen).filter((k) => !k.endsWith('@pending')).length;
    if (decided >= 2 || ended) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 1500));  // the last change's event
  seen = await page.evaluate(() => window.kdaSeen);
  if (!ended) try { process.kill(-run.pid, 'SIGTERM'); } catch (e) { /* already gone */ }
  // When each round's decision was journaled, from the journal itself.
  const runs = fs.readdirSync(path.join(task, '.kda', 'runs')).filter((d) => fs.existsSync(path.join(task, '.kda', 'runs', d, 'run.json')));
  check(runs.length === 1, `one run directory (${runs.join(',')}; kda run printed ${runOut.trim()})`);
  const journal = path.join(task, '.kda', 'runs', runs[0], 'journal.sqlite');
  const rows = spawnSync('sqlite3', ['-readonly', journal,
    "SELECT key, CAST((julianday(at) - 2440587.5) * 86400000.0 AS INTEGER) FROM steps WHERE kind = 'decide' ORDER BY seq"],
    { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  check(rows.length >= 1, `journal has ${rows.length} decided round(s)`);
  let worst = 0;
  for (const row of rows) {
    const [key, atMs] = row.split('|');
    const round = key.replace(/\/decide$/, '');
    const shown = Object.entries(seen).find(([k]) => k.startsWith(round + '@') && !k.endsWith('@pending'));
    if (!shown) { check(false, `round ${round} (journaled) never shown as decided`); continue; }
    const lag = shown[1] - Number(atMs);
    worst = Math.max(worst, lag);
    check(lag <= 2000, `round ${round} shown ${lag} ms after it was journaled (<= 2000)`);
  }
  console.log(`FIGURE serve_round_latency: worst ${worst} ms over ${rows.length} rounds`);
  const m = await marks(page);
  const decidedNow = await page.locator('tr[data-round]:not([data-verdict="pending"])').count();
  check(m['rounds-0-0'] === decidedNow, `rounds plot: ${m['rounds-0-0']} points for ${decidedNow} decided rounds`);
  check(errors.length === 0, `no console errors (${errors.join(' | ')})`);
  await b.close();
  proc.kill('SIGTERM');
}

async function token() {
  const { task } = { task: path.join(tmp, 'va') };
  kda(['init', task, '--example', 'vector_add']);
  const host = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  const bind = host ? host.address : '0.0.0.0';
  const { proc, url } = await serve(task, ['--host', bind]);
  const tok = (url.match(/token=([0-9a-f]+)/) || [])[1];
  check(!!tok && tok.length === 32, `a token was made and printed (${url.replace(/token=.*/, 'token=…')})`);
  const bare = url.replace(/\?token=.*/, '');
  const b = await browser();
  const page = await b.newPage();
  const errors = watchConsole(page);
  let r = await page.goto(bare);
  check(r.status() === 401, `page without the token: HTTP ${r.status()}`);
  r = await page.goto(bare + 'api/report');
  check(r.status() === 401, `model without the token: HTTP ${r.status()}`);
  r = await page.goto(bare + '?token=' + 'f'.repeat(32));
  check(r.status() === 401, `wrong token: HTTP ${r.status()}`);
  await page.close();  // its 401s are console errors by design; a fresh page must have none
  const page2 = await b.newPage();
  const errors2 = watchConsole(page2);
  r = await page2.goto(url);
  check(r.status() === 200, `with the token: HTTP ${r.status()}`);
  await page2.waitForFunction(() => Number(document.body.dataset.rendered) >= 1, null, { timeout: 20000 });
  check(errors2.length === 0, `no console errors with the token (${errors2.join(' | ')})`);
  const post = await page2.evaluate(async () => (await fetch(location.pathname + 'api/report' + location.search, { method: 'POST' })).status);
  check(post === 405, `POST is refused (read-only): HTTP ${post}`);
  check(errors.length >= 1, 'the refused requests were seen by the browser');
  // Without --host the server is on loopback and needs no token.
  const local = await serve(task, []);
  check(/^http:\/\/127\.0\.0\.1:\d+\/$/.test(local.url), `loopback by default, no token: ${local.url}`);
  local.proc.kill('SIGTERM');
  await b.close();
  proc.kill('SIGTERM');
}

const tests = { several, large, live, token };
if (!tests[which]) { console.log(`usage: report_browser_test.mjs ${Object.keys(tests).join('|')}`); process.exit(2); }
try {
  await tests[which]();
} catch (e) {
  check(false, String(e.stack || e));
}
fs.rmSync(tmp, { recursive: true, force: true });
process.exit(failures.length ? 1 : 0);
