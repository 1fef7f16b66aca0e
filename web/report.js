// kda report / kda serve page (docs/report.md). Reads the model (kda_report 1) from the page
// itself or, live, from the server, and draws it with Chart.js. Nothing here can change a run:
// the only requests it makes are GETs of the model, of one trace, and the event stream.
'use strict';
(function () {
  const live = window.KDA_LIVE || null;  // {token} when served by `kda serve`
  const charts = {};                     // canvas id -> Chart, for the browser tests
  window.kdaCharts = charts;
  let bodies = null;                     // id -> trace, parsed on first use

  const esc = (s) => String(s == null ? '' : s).replace(/[&<>"']/g, (c) =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const fmt = (x, d) => (x == null || !isFinite(x)) ? '' : Number(x).toPrecision(d || 3);
  const short = (h) => h ? String(h).slice(0, 12) : '';
  const link = (id, text) => `<a href="#trace-${encodeURIComponent(id)}" data-trace="${esc(id)}">${esc(text)}</a>`;
  const q = (path) => live ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(live.token || '')}` : path;
  const palette = ['#3b6fd8', '#e0762f', '#2e9d5b', '#c0392b', '#8e5bd1', '#8c6d31', '#d65aa6', '#6b7280',
    '#17a2b8', '#b5a300', '#1f4e79', '#7f3b08'];
  const color = (i) => palette[i % palette.length];

  function status(s) { return `<span class="${esc(s)}">${esc(s)}</span>`; }

  function openTrace(id) {
    const view = document.getElementById('trace-view');
    const show = (body) => {
      view.innerHTML = `<p><a href="#" data-close="1">close</a></p><h3>trace <code>${esc(id)}</code></h3>` +
        `<pre>${esc(JSON.stringify(body, null, 1))}</pre>`;
      view.classList.add('open');
    };
    if (live) {
      fetch(q('/api/trace?id=' + encodeURIComponent(id))).then((r) => r.json()).then(show)
        .catch(() => show({ error: 'trace ' + id + ' could not be fetched' }));
      return;
    }
    const block = document.getElementById('kda-traces');
    if (!block) return;  // still being read: the page draws before the trace bodies arrive
    if (!bodies) bodies = JSON.parse(block.textContent);
    show(bodies[id] || { error: 'no trace with id ' + id });
  }

  function onHash() {
    const m = location.hash.match(/^#trace-(.+)$/);
    if (m) openTrace(decodeURIComponent(m[1]));
    else document.getElementById('trace-view').classList.remove('open');
  }

  function chart(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    config.options.onClick = (evt, els, ch) => {
      if (!els.length) return;
      const ds = ch.data.datasets[els[0].datasetIndex];
      const ids = ds.kdaTraces;
      if (ids && ids[els[0].index]) location.hash = 'trace-' + encodeURIComponent(ids[els[0].index]);
    };
    charts[id] = new Chart(canvas, config);
  }

  // --- views -------------------------------------------------------------------------------
  function speedupView(t, ti, byId) {
    const sp = t.speedup;
    const used = new Set();
    sp.latest.forEach((row) => row.forEach((id, wi) => { if (id && byId[id].status === 'PASSED') used.add(wi); }));
    const wis = [...used];
    if (!wis.length) return '<div class="panel"><h3>Speedup per workload</h3><p class="note">No passed trace in the store yet.</p></div>';
    const datasets = [];
    sp.solutions.forEach((s, si) => {
      const ids = wis.map((wi) => { const id = sp.latest[si][wi]; return id && byId[id].status === 'PASSED' ? id : null; });
      if (!ids.some((x) => x)) return;
      datasets.push({ label: s, backgroundColor: color(si), kdaTraces: ids,
        data: ids.map((id) => id ? byId[id].speedup : null) });
    });
    later.push(() => chart(`speedup-${ti}`, { type: 'bar', data: { labels: wis.map((wi) => sp.workloads[wi]), datasets },
      options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'speedup over the baseline (log)' } } },
        plugins: { legend: { position: 'bottom' } } } }));
    return `<div class="panel"><h3>Speedup per workload (latest trace of each solution; click a bar for its trace)</h3>
      <div class="chart"><canvas id="speedup-${ti}" data-marks="${datasets.reduce((n, d) => n + d.data.filter((v) => v != null).length, 0)}"></canvas></div></div>`;
  }

  function rooflineView(t, ti, byId) {
    const pts = {};
    let xmin = Infinity, xmax = 0;
    const hw = new Set();
    t.speedup.latest.forEach((row, si) => row.forEach((id) => {
      const r = id && byId[id];
      if (!r || r.status !== 'PASSED' || !r.flops || !r.bytes || !r.latency_ms) return;
      const x = r.flops / r.bytes, y = r.flops / (r.latency_ms * 1e6);
      (pts[si] = pts[si] || []).push({ x, y, id });
      xmin = Math.min(xmin, x); xmax = Math.max(xmax, x); hw.add(r.hardware);
    }));
    const sis = Object.keys(pts);
    if (!sis.length) return '<div class="panel"><h3>Roofline</h3><p class="note">No passed trace with kda.flops and kda.bytes.</p></div>';
    const datasets = sis.map((si) => ({ type: 'scatter', label: t.speedup.solutions[si], backgroundColor: color(+si),
      pointRadius: 4, kdaKind: 'point', kdaTraces: pts[si].map((p) => p.id), data: pts[si].map((p) => ({ x: p.x, y: p.y })) }));
    const ceilings = (t.ceilings || []).filter((c) => hw.has(c.device && c.device.name));
    const lo = xmin / 4, hi = xmax * 4;
    ceilings.forEach((c, i) => {
      const bw = c.copy_bandwidth_gbs, peak = c.fma_gflops;
      if (!(bw > 0)) return;
      const data = [];
      if (peak > 0) {
        const ridge = peak / bw;
        data.push({ x: lo, y: bw * lo });
        if (ridge > lo && ridge < hi) data.push({ x: ridge, y: peak });
        data.push({ x: hi, y: Math.min(peak, bw * hi) });
      } else { data.push({ x: lo, y: bw * lo }, { x: hi, y: bw * hi }); }
      datasets.push({ type: 'line', label: `ceiling ${c.device.name}: ${fmt(bw)} GB/s, ${fmt(peak)} GFLOP/s`,
        kdaKind: 'ceiling', borderColor: '#111', borderDash: i ? [6, 3] : [], pointRadius: 0, fill: false, data });
    });
    later.push(() => chart(`roofline-${ti}`, { type: 'scatter', data: { datasets }, options: {
      scales: { x: { type: 'logarithmic', title: { display: true, text: 'arithmetic intensity (FLOP / byte, from kda.flops / kda.bytes)' } },
        y: { type: 'logarithmic', title: { display: true, text: 'achieved GFLOP/s' } } },
      plugins: { legend: { position: 'bottom' } } } }));
    const note = ceilings.length ? 'Ceilings: the device peaks the judge measured (copy bandwidth, FMA rate).'
      : 'No measured ceilings for this hardware in this machine\'s cache.';
    return `<div class="panel"><h3>Roofline</h3><p class="note">${esc(note)}</p>
      <div class="chart"><canvas id="roofline-${ti}" data-marks="${sis.reduce((n, si) => n + pts[si].length, 0)}"></canvas></div></div>`;
  }

  function regimeLeaves(reg, lo, hi, prefix, out) {
    let start = lo;
    reg.regimes.forEach((r) => {
      const end = r.below == null ? hi : r.below;
      const label = `${prefix}${reg.key.label} in [${fmt(start, 4)}, ${r.below == null ? '∞' : fmt(end, 4)})`;
      if (r.inner) regimeLeaves(r.inner, null, null, label + ' / ', out);
      else out.push({ label, from: start, to: end, variant: r.variant, key: reg.key });
      start = end;
    });
  }

  function regimesView(t, ti) {
    if (!t.regimes.length) return '';
    let html = '';
    t.regimes.forEach((rg, ri) => {
      const tab = rg.table;
      const keyOf = (axes, key) => key.axes.reduce((p, a) => p * (axes[a] || 1), 1);
      const tuned = new Set((tab.tuned_on && tab.tuned_on.workloads) || []);
      const ws = t.workloads.filter((w) => tuned.has(w.uuid));
      const keys = ws.map((w) => keyOf(w.axes, tab.key));
      const kmin = keys.length ? Math.min(...keys) : 1, kmax = keys.length ? Math.max(...keys) : 2;
      const leaves = [];
      regimeLeaves(tab, kmin / 2, kmax * 2, '', leaves);
      // A tree's inner levels are on another key: draw those leaves over their own key's range.
      leaves.forEach((l) => {
        if (l.from == null || l.to == null) {
          const ik = ws.map((w) => keyOf(w.axes, l.key));
          if (l.from == null) l.from = ik.length ? Math.min(...ik) / 2 : 1;
          if (l.to == null) l.to = ik.length ? Math.max(...ik) * 2 : 2;
        }
      });
      const variants = [...new Set(leaves.map((l) => l.variant))];
      const datasets = variants.map((v, vi) => ({ label: v, backgroundColor: color(vi),
        data: leaves.map((l) => l.variant === v ? [l.from, l.to] : null) }));
      const id = `regimes-${ti}-${ri}`;
      later.push(() => chart(id, { type: 'bar', data: { labels: leaves.map((l) => l.label), datasets },
        options: { indexAxis: 'y', grouped: false, scales: { x: { type: 'logarithmic', title: { display: true, text: 'regime key' } }, y: { stacked: true } },
          plugins: { legend: { position: 'bottom' } } } }));
      const p = tab.predicted || {};
      html += `<div class="panel"><h3>Router regimes over the shape space <code>${esc(rg.path)}</code></h3>
        <p class="note">key ${esc(tab.key.label)}; ${leaves.length} regimes, ${(tab.specialists || []).length} specialists;
        predicted regret on the tuned shapes ${fmt(p.regret)}; tuned on ${esc(tab.tuned_on && tab.tuned_on.device && tab.tuned_on.device.name)}</p>
        <div class="chart short"><canvas id="${id}" data-marks="${leaves.length}"></canvas></div></div>`;
    });
    return html;
  }

  function roundsView(run, ri, ti) {
    const rounds = run.rounds;
    const tasks = [...new Set(rounds.map((r) => r.task))];
    const vcolor = (r) => r.verdict === 'PASS' ? '#1f8a4c' : r.rejected ? '#c0392b' : r.verdict === 'pending' ? '#9aa1ad' : '#c77c02';
    const datasets = tasks.map((task, i) => {
      const rs = rounds.filter((r) => r.task === task && r.verdict !== 'pending');
      return { type: 'line', label: `${task}: hidden geomean speedup`, borderColor: color(i), pointRadius: 6,
        pointBackgroundColor: rs.map(vcolor), kdaTraces: rs.map((r) => r.traces.length ? r.traces[0].id : null),
        data: rs.map((r) => ({ x: r.round, y: r.geomean_speedup_hidden > 0 ? r.geomean_speedup_hidden : null })) };
    });
    const decided = rounds.filter((r) => r.verdict !== 'pending').length;
    const id = `rounds-${ti}-${ri}`;
    if (decided) later.push(() => chart(id, { type: 'line', data: { datasets }, options: {
      scales: { x: { type: 'linear', title: { display: true, text: 'round' }, ticks: { stepSize: 1 } },
        y: { type: 'logarithmic', title: { display: true, text: 'geomean speedup on hidden workloads (log)' } } },
      plugins: { legend: { position: 'bottom' } } } }));
    const rows = rounds.map((r) => {
      const best = r.traces.filter((x) => x.speedup != null);
      const cells = best.map((x) => `${esc(x.workload)}: ${link(x.id, fmt(x.speedup) + '×')}`).join('<br>');
      const reasons = (r.review && r.review.reasons || []).map(esc).join('<br>');
      return `<tr data-round="${esc(r.task)}/${r.round}" data-journaled="${esc(r.journaled_at || '')}" data-verdict="${esc(r.verdict)}">
        <td>${esc(r.task)}</td><td class="num">${r.round}</td><td>${status(r.rejected ? 'REJECTED' : r.verdict)}</td>
        <td class="num">${r.geomean_speedup_hidden ? fmt(r.geomean_speedup_hidden) + '×' : ''}</td>
        <td><code>${esc(JSON.stringify(r.params))}</code></td><td>${esc(r.reason || r.check_reason || '')}${reasons ? '<br>verifier: ' + reasons : ''}</td>
        <td>${cells}</td><td class="hash">${esc(short(r.commit))}</td><td>${esc(r.journaled_at || '')}</td></tr>`;
    }).join('');
    return `<div class="panel"><h3>Run <code>${esc(run.id)}</code>: speedup over rounds</h3>
      <p class="note">backend ${esc(run.backend)}, writer ${esc(JSON.stringify(run.writer))}, verifier ${esc(JSON.stringify(run.verifier))}${run.paused ? '; paused for a person' : ''}.
      Point colour is the round's verdict: green PASS, orange REVISE, red REJECTED.</p>
      ${decided ? `<div class="chart short"><canvas id="${id}" data-marks="${decided}"></canvas></div>` : '<p class="note">No round decided yet.</p>'}
      <div class="scroll"><table class="rounds"><thead><tr><th>task</th><th>round</th><th>verdict</th><th>hidden geomean</th><th>params</th>
      <th>why</th><th>per-workload speedup (trace)</th><th>commit</th><th>journaled</th></tr></thead><tbody>${rows}</tbody></table></div></div>`
      + lineageView(run) + findingsView(run);
  }

  function lineageView(run) {
    const cands = run.candidates || [];
    if (!cands.length) return '';
    const kids = {};
    const commits = new Set(cands.map((c) => c.commit));
    cands.forEach((c) => { const p = commits.has(c.parent) ? c.parent : ''; (kids[p] = kids[p] || []).push(c); });
    const item = (c) => `<li>${status(c.promoted ? 'PASS' : 'REVISE')} ${esc(c.task)} round ${c.round}
      <span class="hash">${esc(short(c.commit))}</span> ← <span class="hash">${esc(short(c.parent))}</span>
      <code>${esc(JSON.stringify(c.params))}</code> ${c.promoted ? 'promoted' : 'rejected: ' + esc(c.reason)}
      ${kids[c.commit] ? '<ul class="lineage">' + kids[c.commit].map(item).join('') + '</ul>' : ''}</li>`;
    return `<div class="panel"><h3>Candidate lineage (parent → child)</h3><ul class="lineage">${(kids[''] || []).map(item).join('')}</ul></div>`;
  }

  function findingsView(run) {
    const rows = run.rounds.flatMap((r) => r.findings.map((f) => `<tr><td>${esc(r.task)}/${r.round}</td><td>${esc(f.kernel)}</td>
      <td>${esc(f.category)}</td><td>${esc(f.severity)}</td><td class="num">${fmt(f.estimated_speedup)}</td><td>${esc(f.fix)}</td></tr>`));
    return `<div class="panel"><h3>Profiler findings per round</h3>${rows.length ? `<table><thead><tr><th>round</th><th>kernel</th>
      <th>category</th><th>severity</th><th>est. speedup %</th><th>fix</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
      : `<p class="note">No profiler report in any round${run.backend === 'cpu' ? ' (CPU backend: there is no profiler)' : ''}.</p>`}</div>`;
  }

  function provenanceView(t) {
    const p = t.provenance, a = p.audit;
    const list = (k) => (p[k] || []).map((h) => `<span class="hash">${esc(h)}</span>`).join('<br>') || '<span class="note">none seen</span>';
    const pins = p.pins.map((x) => `<tr><td>${esc(x.name)}</td><td class="hash">${esc(x.hash)}</td><td>${esc(x.pinned_at)}</td></tr>`).join('');
    const cands = Object.entries(p.candidates).map(([s, h]) => `<tr><td>${esc(s)}</td><td class="hash">${esc(h)}</td></tr>`).join('');
    const audit = (a, what) => !a.present ? `<p>${what}: no audit log</p>` :
      `<p>${what}: <code>kda audit verify</code> ${a.ok ? '<span class="ok">passes</span>' : '<span class="bad">FAILS</span>: ' + esc(a.problem)}
      — ${a.records} records, head <span class="hash">${esc(a.head)}</span>${a.anchored ? `, anchored in the store (${a.anchored_records})` : ', not anchored'}${a.note ? '; ' + esc(a.note) : ''}</p>`;
    return `<div class="panel"><h3>Provenance</h3>${audit(a, 'task audit log')}
      ${t.runs.map((r) => audit(r.audit, 'run ' + esc(r.id) + ' audit log')).join('')}
      <table><tbody><tr><th>definition hash</th><td>${list('definition_hash')}</td></tr><tr><th>baseline hash</th><td>${list('baseline_hash')}</td></tr>
      <tr><th>reference hash</th><td>${list('reference_hash')}</td></tr><tr><th>seed commitments</th><td>${(p.seed_commitment || []).length} distinct; latest ${list('seed_commitment').split('<br>').slice(-1)[0]}</td></tr>
      <tr><th>evaluator</th><td>${list('evaluator_build')}</td></tr></tbody></table>
      <h3>Pins</h3><table><thead><tr><th>pin</th><th>hash</th><th>pinned</th></tr></thead><tbody>${pins}</tbody></table>
      <h3>Candidates</h3><div class="scroll"><table><thead><tr><th>solution</th><th>hash</th></tr></thead><tbody>${cands}</tbody></table></div></div>`;
  }

  // The trace table is paged (kPage rows), so that a store of any size renders at once; every
  // trace stays reachable by its link (#trace-ID opens it whether or not its row is on the page).
  const kPage = 200;
  const pagers = {};
  function traceRow(r) {
    return `<tr id="row-${esc(r.id)}"><td>${link(r.id, r.id)}</td><td>${esc(r.solution)}</td><td>${esc(r.workload)}</td>
      <td>${esc(r.split)}</td><td>${status(r.status)}</td><td class="num">${r.latency_ms != null ? link(r.id, fmt(r.latency_ms)) : ''}</td>
      <td class="num">${r.speedup != null ? link(r.id, fmt(r.speedup) + '×') : ''}</td><td class="num">${r.fraction_of_roofline ? link(r.id, fmt(r.fraction_of_roofline, 2)) : ''}</td>
      <td>${esc(r.reason_code || '')}</td><td>${esc(r.created_at)}</td></tr>`;
  }
  function drawPage(ti) {
    const pg = pagers[ti];
    const f = pg.filter.toLowerCase();
    const rows = f ? pg.rows.filter((r) => `${r.id} ${r.solution} ${r.workload} ${r.status} ${r.reason_code}`.toLowerCase().includes(f)) : pg.rows;
    const pages = Math.max(1, Math.ceil(rows.length / kPage));
    pg.page = Math.min(pg.page, pages - 1);
    document.getElementById(`traces-${ti}`).innerHTML = rows.slice(pg.page * kPage, (pg.page + 1) * kPage).map(traceRow).join('');
    document.getElementById(`pager-${ti}`).textContent = `${rows.length} of ${pg.rows.length} traces; page ${pg.page + 1} of ${pages}`;
  }
  function tracesView(t, ti) {
    pagers[ti] = { rows: t.traces, page: 0, filter: '' };
    later.push(() => drawPage(ti));
    return `<div class="panel"><h3>Traces (${t.traces.length}; ${t.tuning_rows} tuning rows)</h3>
      <p><button data-pager="${ti}" data-step="-1">previous</button> <button data-pager="${ti}" data-step="1">next</button>
      <input data-filter="${ti}" placeholder="filter: solution, workload, status" size="36"> <span class="note" id="pager-${ti}"></span></p>
      <div class="scroll"><table class="traces"><thead><tr>
      <th>id</th><th>solution</th><th>workload</th><th>split</th><th>status</th><th>latency ms</th><th>speedup</th><th>floor / latency</th><th>reason</th><th>at</th></tr></thead>
      <tbody id="traces-${ti}"></tbody></table></div></div>`;
  }
  document.addEventListener('input', (e) => {
    const ti = e.target.dataset && e.target.dataset.filter;
    if (ti == null || !pagers[ti]) return;
    pagers[ti].filter = e.target.value;
    pagers[ti].page = 0;
    drawPage(ti);
  });

  let later = [];
  function render(model) {
    const t0 = performance.now();
    Object.keys(charts).forEach((k) => { charts[k].destroy(); delete charts[k]; });
    later = [];
    const src = model.source;
    let html = `<header><h1>kda report <span class="note">${esc(src.kind)}</span>${live ? '<span class="live" id="live">live</span>' : ''}</h1>
      <div class="meta">${esc(src.path)} — generated ${esc(model.generated_at)} by ${esc(model.generator)} (model kda_report ${model.kda_report})</div></header><main>`;
    model.tasks.forEach((t, ti) => {
      const byId = {};
      t.traces.forEach((r) => { byId[r.id] = r; });
      html += `<section class="task" id="task-${ti}"><h2>${esc(t.name)} <span class="note">definition ${esc(t.definition.name || '')}</span></h2>`;
      html += speedupView(t, ti, byId) + t.runs.map((r, ri) => roundsView(r, ri, ti)).join('') + rooflineView(t, ti, byId) +
        regimesView(t, ti) + provenanceView(t) + tracesView(t, ti) + '</section>';
    });
    html += '</main><aside id="trace-view"></aside>';
    document.getElementById('app').innerHTML = html;
    later.forEach((f) => f());
    onHash();
    document.body.dataset.rendered = String(Number(document.body.dataset.rendered || 0) + 1);
    window.kdaRenderedAt = performance.now();
    window.kdaRenderMs = window.kdaRenderedAt - t0;
  }

  document.addEventListener('click', (e) => {
    const btn = e.target.closest && e.target.closest('button[data-pager]');
    if (btn) { const pg = pagers[btn.dataset.pager]; pg.page = Math.max(0, pg.page + Number(btn.dataset.step)); drawPage(btn.dataset.pager); return; }
    const a = e.target.closest && e.target.closest('a[data-close]');
    if (a) { e.preventDefault(); history.replaceState(null, '', location.pathname + location.search); onHash(); }
  });
  window.addEventListener('hashchange', onHash);

  if (!live) {
    const p0 = performance.now();
    const model = JSON.parse(document.getElementById('kda-model').textContent);
    window.kdaParseMs = performance.now() - p0;
    render(model);
    if (location.hash) window.addEventListener('load', onHash);
    return;
  }
  // Live: the server sends an event whenever a file the model is built from changes.
  let fetching = false, again = false;
  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(q('/api/report')).then((r) => r.json()).then((m) => { render(m); })
      .catch(() => { const l = document.getElementById('live'); if (l) { l.textContent = 'disconnected'; l.classList.add('down'); } })
      .finally(() => { fetching = false; if (again) { again = false; refresh(); } });
  }
  const es = new EventSource(q('/api/events'));
  es.addEventListener('model', refresh);
  es.onerror = () => { const l = document.getElementById('live'); if (l) { l.textContent = 'reconnecting'; l.classList.add('down'); } };
  refresh();
})();
