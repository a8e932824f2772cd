/**
 * The dashboard's browser script, served as /ops/app.js. Plain ES2020, no framework, no build step, no
 * network access beyond this origin. Every value from the API is put in the page with textContent
 * (never innerHTML), so record payloads and error messages cannot inject markup.
 *
 * Kept as a string so the compiled gateway serves it without copying assets; it contains no backticks
 * and no `${`, so it can live in this String.raw template unchanged.
 */
export const dashboardJs = String.raw`'use strict';
(function () {
  var KEY = 'crossgate.apiKey';
  var POLL_MS = 1000;
  var state = { key: sessionStorage.getItem(KEY), prev: null, timer: null, view: null, cursor: null };

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null) return;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'onclick') node.addEventListener('click', v);
      else node.setAttribute(k, String(v));
    });
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function fmt(n) { return typeof n === 'number' ? n.toLocaleString('en-US') : '–'; }
  function short(s, n) { return typeof s === 'string' && s.length > n ? s.slice(0, n) + '…' : (s || '–'); }
  function time(iso) { return iso ? new Date(iso).toLocaleTimeString('en-GB') : '–'; }
  function table(head, rows, empty) {
    if (rows.length === 0) return el('p', { class: 'empty', text: empty });
    return el('table', null, [
      el('thead', null, [el('tr', null, head.map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', null, rows),
    ]);
  }
  function td(value, attrs) { var a = attrs || {}; a.text = value; return el('td', a); }

  function ApiError(status, problem) { this.status = status; this.problem = problem; }
  function api(method, path, body) {
    var headers = { authorization: 'Bearer ' + state.key };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (res) {
      if (res.status === 401 || res.status === 403) {
        return res.json().catch(function () { return {}; }).then(function (p) {
          logout(res.status === 401 ? 'That API key is not valid.' : 'That API key is not an admin key.');
          throw new ApiError(res.status, p);
        });
      }
      if (!res.ok) return res.json().catch(function () { return {}; }).then(function (p) { throw new ApiError(res.status, p); });
      return res;
    });
  }
  function json(method, path, body) { return api(method, path, body).then(function (res) { return res.json(); }); }

  // ---- login --------------------------------------------------------------------------------------
  function logout(message) {
    state.key = null;
    sessionStorage.removeItem(KEY);
    stopPolling();
    $('login-error').textContent = message || '';
    show('login');
  }
  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var key = $('api-key').value.trim();
    if (!key) return;
    state.key = key;
    $('api-key').value = '';
    json('GET', '/ops/api/overview').then(function () {
      sessionStorage.setItem(KEY, key);
      $('login-error').textContent = '';
      route();
    }).catch(function (e) {
      if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) $('login-error').textContent = 'The gateway did not answer.';
    });
  });
  $('logout').addEventListener('click', function () { logout(''); });

  function show(view) {
    ['login', 'overview', 'dlq-list', 'dlq-entry'].forEach(function (v) { $('view-' + v).hidden = v !== view; });
    $('nav').hidden = view === 'login';
    Array.prototype.forEach.call(document.querySelectorAll('#nav a[data-view]'), function (a) {
      a.classList.toggle('active', a.getAttribute('data-view') === view || (view === 'dlq-entry' && a.getAttribute('data-view') === 'dlq-list'));
    });
    state.view = view;
  }
  function stopPolling() { if (state.timer !== null) { clearTimeout(state.timer); state.timer = null; } }
  function poll(fn) {
    stopPolling();
    var tick = function () {
      fn().catch(function (e) { if (!(e instanceof ApiError)) setStatus('unreachable', 'The gateway did not answer.'); })
        .then(function () { if (state.key) state.timer = setTimeout(tick, POLL_MS); });
    };
    tick();
  }
  function setStatus(status, detail) {
    var pill = $('status');
    pill.textContent = status;
    pill.className = 'pill ' + (status === 'ready' ? 'ok' : 'bad');
    pill.title = detail || '';
  }

  // ---- overview -----------------------------------------------------------------------------------
  function renderOverview(o) {
    var now = Date.parse(o.at);
    var checks = Object.keys(o.readiness.checks).map(function (name) {
      var c = o.readiness.checks[name];
      return name + ': ' + (c.ok ? 'ok' : 'DOWN') + ' (' + c.detail + ', ' + c.latencyMs + ' ms)';
    });
    setStatus(o.readiness.status, checks.join('\n'));
    clear($('dependencies')).appendChild(el('ul', null, Object.keys(o.readiness.checks).map(function (name) {
      var c = o.readiness.checks[name];
      return el('li', { class: c.ok ? 'ok' : 'bad', title: c.detail, text: name + (c.ok ? ' ✓' : ' ✗ ' + c.detail) });
    })));

    var prev = state.prev;
    var totals = { received: 0, accepted: 0, rejected: 0, duplicate: 0 };
    var rate = 0;
    var rows = o.sectors.map(function (s) {
      totals.received += s.received; totals.accepted += s.accepted; totals.rejected += s.rejected; totals.duplicate += s.duplicate;
      var before = prev && prev.sectors[s.sector];
      var perSec = before && now > prev.at ? (s.received - before.received) * 1000 / (now - prev.at) : 0;
      rate += perSec;
      return el('tr', { 'data-sector': s.sector }, [td(s.sector), td(perSec.toFixed(1), { class: 'num' }), td(fmt(s.received), { class: 'num' }), td(fmt(s.accepted), { class: 'num', 'data-testid': 'accepted-' + s.sector }), td(fmt(s.duplicate), { class: 'num' }), td(fmt(s.rejected), { class: 'num' })]);
    });
    var bySector = {};
    o.sectors.forEach(function (s) { bySector[s.sector] = s; });
    state.prev = { at: now, sectors: bySector };

    var dlqTotal = o.dlq.counts ? o.dlq.counts.reduce(function (sum, c) { return sum + c.count; }, 0) : null;
    var lagTotal = o.kafka.lag ? o.kafka.lag.reduce(function (sum, l) { return sum + l.lag; }, 0) : null;
    tile('t-rate', rate.toFixed(1));
    tile('t-accepted', fmt(totals.accepted));
    tile('t-rejected', fmt(totals.rejected));
    tile('t-outbox', o.outbox.depth === undefined ? '?' : fmt(o.outbox.depth));
    tile('t-dlq', dlqTotal === null ? '?' : fmt(dlqTotal));
    tile('t-lag', o.kafka.configured ? (lagTotal === null ? '?' : fmt(lagTotal)) : 'n/a');
    $('t-queued').textContent = fmt(o.pipeline.queued) + ' queued' + (o.pipeline.anchoringPaused ? ' · anchoring PAUSED' : '');

    clear($('sectors')).appendChild(table(['Sector', 'Records/s', 'Received', 'Accepted', 'Duplicate', 'Rejected'], rows, 'No records since the gateway started.'));

    var lagBox = clear($('lag'));
    if (!o.kafka.configured) lagBox.appendChild(el('p', { class: 'empty', text: 'Kafka ingestion is not configured on this gateway.' }));
    else if (o.kafka.error) lagBox.appendChild(el('p', { class: 'bad', text: 'Cannot read consumer lag: ' + o.kafka.error }));
    else lagBox.appendChild(table(['Topic', 'Partition', 'Lag'], o.kafka.lag.map(function (l) {
      return el('tr', null, [td(l.topic), td(String(l.partition), { class: 'num' }), td(fmt(l.lag), { class: 'num' + (l.lag > 0 ? ' warn' : '') })]);
    }), 'No partitions assigned.'));

    var dlqBox = clear($('dlq-reasons'));
    if (o.dlq.error) dlqBox.appendChild(el('p', { class: 'bad', text: 'Cannot read the DLQ: ' + o.dlq.error }));
    else dlqBox.appendChild(table(['Error code', 'Sector', 'Origin', 'Open', ''], o.dlq.counts.slice().sort(function (a, b) { return b.count - a.count; }).map(function (c) {
      var q = { code: c.code, origin: c.origin };
      if (c.sector) q.sector = c.sector;
      return el('tr', null, [td(c.code, { class: 'code' }), td(c.sector || 'unknown'), td(c.origin), td(fmt(c.count), { class: 'num' }),
        el('td', null, [el('a', { href: '#/dlq?' + new URLSearchParams(q).toString(), class: 'dlq-link', text: 'entries →' })])]);
    }), 'No open dead letters.'));

    var batchBox = clear($('batches'));
    if (o.batches.error) batchBox.appendChild(el('p', { class: 'bad', text: 'Cannot read batches: ' + o.batches.error }));
    else batchBox.appendChild(table(['Batch', 'Records', 'Sealed', 'State', 'Chain tx', 'Block'], o.batches.items.map(function (b) {
      return el('tr', { 'data-batch': b.id }, [td(short(b.id, 14), { class: 'mono', title: b.id }), td(fmt(b.size), { class: 'num' }), td(time(b.sealedAt)),
        td(b.state + (b.state !== 'anchored' && b.attempts > 0 ? ' (' + b.attempts + ' tries)' : ''), { class: 'state-' + b.state, title: b.lastError || '' }),
        td(b.anchor ? short(b.anchor.txId, 18) : '–', { class: 'mono', title: b.anchor ? b.anchor.txId : '' }), td(b.anchor ? String(b.anchor.blockNumber) : '–', { class: 'num' })]);
    }), 'No batches yet.'));
    $('chain').textContent = o.chain.kind + ' · ' + o.chain.network;
    $('updated').textContent = 'updated ' + time(o.at);
  }
  function tile(id, value) { $(id).textContent = value; }

  // ---- dead letters ------------------------------------------------------------------------------
  var FILTERS = ['state', 'code', 'sector', 'origin', 'tenant', 'source'];
  function currentFilter() {
    var params = new URLSearchParams(location.hash.split('?')[1] || '');
    var f = {};
    FILTERS.forEach(function (k) { var v = params.get(k); if (v) f[k] = v; });
    return f;
  }
  function renderDlqList(append) {
    var f = currentFilter();
    FILTERS.forEach(function (k) { $('f-' + k).value = f[k] || (k === 'state' ? 'open' : ''); });
    var q = new URLSearchParams(f);
    q.set('limit', '50');
    if (append && state.cursor) q.set('cursor', state.cursor);
    return json('GET', '/v1/dlq?' + q.toString()).then(function (page) {
      state.cursor = page.next;
      $('dlq-total').textContent = fmt(page.total) + ' matching';
      var replayAll = $('replay-filter');
      replayAll.disabled = page.total === 0 || (f.state && f.state !== 'open');
      replayAll.dataset.confirm = '';
      replayAll.textContent = 'Replay all ' + fmt(page.total) + ' matching';
      var body = $('dlq-rows');
      if (!append) clear(body);
      page.items.forEach(function (d) {
        body.appendChild(el('tr', { 'data-id': d.id }, [
          el('td', null, [el('a', { href: '#/dlq/' + encodeURIComponent(d.id), class: 'entry-link', text: '#' + d.id })]),
          td(time(d.createdAt)), td(d.code, { class: 'code' }), td(d.type || '–'), td(d.recordId ? d.recordId.id : '–', { class: 'mono', title: d.recordId ? d.recordId.source : '' }),
          td(d.tenant || '–'), td(d.origin + (d.kafka ? ' ' + d.kafka.topic + '/' + d.kafka.partition + '@' + d.kafka.offset : ''), { class: 'wrap' }), td(short(d.message, 90), { title: d.message, class: 'wrap' }), td(d.state),
        ]));
      });
      $('dlq-more').hidden = page.next === null;
    });
  }
  $('dlq-filter').addEventListener('submit', function (event) {
    event.preventDefault();
    var q = new URLSearchParams();
    FILTERS.forEach(function (k) { var v = $('f-' + k).value.trim(); if (v && !(k === 'state' && v === 'open')) q.set(k, v); });
    location.hash = '#/dlq' + (q.toString() ? '?' + q.toString() : '');
  });
  $('dlq-more').addEventListener('click', function () { renderDlqList(true); });
  $('replay-filter').addEventListener('click', function () {
    var button = $('replay-filter');
    if (button.dataset.confirm !== 'yes') { button.dataset.confirm = 'yes'; button.textContent = 'Click again to replay ' + $('dlq-total').textContent; return; }
    button.disabled = true;
    var f = currentFilter();
    delete f.state;
    var body = Object.keys(f).length === 0 ? { all: true } : { filter: f };
    streamReplay(body, $('replay-progress'), $('replay-summary')).then(function () { renderDlqList(false); });
  });

  /** POST /v1/dlq/replay and follow its NDJSON progress lines. */
  function streamReplay(body, bar, summary) {
    bar.hidden = false; bar.value = 0; bar.max = 1;
    summary.textContent = 'Replaying…';
    return api('POST', '/v1/dlq/replay', body).then(function (res) {
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buffered = '';
      function handle(line) {
        if (!line) return;
        var m = JSON.parse(line);
        if (m.type === 'progress' || m.type === 'summary') { bar.max = Math.max(1, m.total); bar.value = m.done; }
        if (m.type === 'progress') summary.textContent = 'Replaying… ' + m.done + ' / ' + m.total;
        if (m.type === 'summary') summary.textContent = 'Done: ' + m.replayed + ' replayed, ' + m.duplicate + ' already accepted, ' + m.failed + ' failed again' +
          (m.failed > 0 ? ' (' + Object.keys(m.failedByCode).map(function (c) { return c + ' ×' + m.failedByCode[c]; }).join(', ') + ')' : '') +
          (m.skipped > 0 ? ', ' + m.skipped + ' skipped' : '') + (m.overloaded > 0 ? ', ' + m.overloaded + ' overloaded (retry later)' : '') + '.';
        if (m.type === 'error') summary.textContent = m.message;
      }
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) { handle(buffered.trim()); return; }
          buffered += decoder.decode(r.value, { stream: true });
          var nl;
          while ((nl = buffered.indexOf('\n')) >= 0) { handle(buffered.slice(0, nl)); buffered = buffered.slice(nl + 1); }
          return pump();
        });
      }
      return pump();
    }).catch(function (e) { summary.textContent = 'Replay failed: ' + (e.problem && e.problem.detail ? e.problem.detail : 'the gateway did not answer'); });
  }

  function renderEntry(id) {
    return json('GET', '/v1/dlq/' + encodeURIComponent(id)).then(function (d) {
      $('e-id').textContent = '#' + d.id;
      var badge = $('e-state');
      badge.textContent = d.state;
      badge.className = 'pill state-' + d.state;
      $('e-code').textContent = d.code;
      $('e-message').textContent = d.message;
      var facts = [['Record', d.recordId ? d.recordId.source + ' · ' + d.recordId.id : 'unknown (not decodable)'], ['Type', d.type || '–'], ['Sector', d.sector || '–'],
        ['Tenant', d.tenant || '–'], ['Origin', d.origin + (d.kafka ? ' · topic ' + d.kafka.topic + ', partition ' + d.kafka.partition + ', offset ' + d.kafka.offset : '')],
        ['Rejected at', d.createdAt], ['Resolution', d.resolution || '–']];
      clear($('e-facts')).appendChild(el('dl', null, facts.reduce(function (acc, f) { acc.push(el('dt', { text: f[0] }), el('dd', { text: f[1] })); return acc; }, [])));
      clear($('e-issues')).appendChild(table(['Path', 'Code', 'Message'], d.issues.map(function (i) {
        return el('tr', null, [td(i.path.join('.') || '(record)', { class: 'mono' }), td(i.code), td(i.message)]);
      }), 'No field-level issues.'));
      var p = d.payload;
      $('e-payload').textContent = p.encoding === 'base64' ? '(binary, ' + p.size + ' bytes, base64)\n' + p.base64 : (p.json !== undefined ? JSON.stringify(p.json, null, 2) : p.text);
      clear($('e-headers')).appendChild(table(['Header', 'Value'], Object.keys(d.headers).map(function (h) { return el('tr', null, [td(h, { class: 'mono' }), td(d.headers[h], { class: 'mono wrap' })]); }), 'No headers kept.'));
      clear($('e-audit')).appendChild(table(['When', 'Action', 'By', 'Reason'], d.audit.map(function (a) {
        return el('tr', null, [td(a.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), { class: 'nowrap' }), td(a.action, { class: 'nowrap' }), td(a.actor), td(a.reason, { class: 'wrap' })]);
      }), 'No actions yet.'));
      var rec = $('e-record');
      clear(rec);
      if (d.record === null) rec.appendChild(el('p', { class: 'empty', text: 'The record is not in any batch.' }));
      else rec.appendChild(el('p', { 'data-testid': 'record-status' }, [
        el('span', { class: 'pill state-' + d.record.status, text: d.record.status }), ' in batch ',
        el('span', { class: 'mono', title: d.record.batchId, text: short(d.record.batchId, 16) }), ' leaf ' + d.record.leafIndex,
        d.record.anchor ? ' · chain tx ' : '', d.record.anchor ? el('span', { class: 'mono', 'data-testid': 'tx-id', text: d.record.anchor.txId }) : null,
        d.record.anchor ? ' block ' + d.record.anchor.blockNumber : '',
      ]));
      var open = d.state === 'open';
      $('e-replay').disabled = !open;
      $('e-discard').disabled = !open;
      $('e-reason').disabled = !open;
    });
  }
  $('e-replay').addEventListener('click', function () {
    var id = location.hash.slice('#/dlq/'.length);
    $('e-replay').disabled = true;
    $('e-result').textContent = 'Replaying…';
    json('POST', '/v1/dlq/' + id + '/replay').then(function (r) {
      $('e-result').textContent = r.status === 'replayed' ? 'Replayed: ' + r.outcome + ' in batch ' + short(r.batchId, 16) + '.'
        : r.status === 'failed' ? 'Rejected again: ' + r.code + ' — ' + r.message
        : r.status === 'overloaded' ? 'The gateway is overloaded; try again in ' + r.retryAfterSeconds + ' s.'
        : 'Not replayed: ' + r.reason + '.';
      return renderEntry(decodeURIComponent(id));
    }).catch(function (e) { $('e-result').textContent = 'Replay failed: ' + (e.problem && e.problem.detail ? e.problem.detail : 'the gateway did not answer'); });
  });
  $('e-discard-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var id = location.hash.slice('#/dlq/'.length);
    var reason = $('e-reason').value.trim();
    if (reason.length < 3) { $('e-result').textContent = 'Give a reason (it is kept in the audit log).'; return; }
    json('POST', '/v1/dlq/' + id + '/discard', { reason: reason }).then(function () {
      $('e-reason').value = '';
      $('e-result').textContent = 'Discarded.';
      return renderEntry(decodeURIComponent(id));
    }).catch(function (e) { $('e-result').textContent = 'Discard failed: ' + (e.problem && e.problem.detail ? e.problem.detail : 'the gateway did not answer'); });
  });

  // ---- routing ------------------------------------------------------------------------------------
  function route() {
    if (!state.key) { show('login'); return; }
    var hash = location.hash;
    if (hash.indexOf('#/dlq') === 0) setTimeout(statusOnce, 0);
    if (hash.indexOf('#/dlq/') === 0) {
      var id = decodeURIComponent(hash.slice('#/dlq/'.length));
      if (state.view !== 'dlq-entry') $('e-result').textContent = '';
      show('dlq-entry');
      poll(function () { return renderEntry(id); });
    } else if (hash.indexOf('#/dlq') === 0) {
      show('dlq-list');
      stopPolling();
      $('replay-progress').hidden = true;
      $('replay-summary').textContent = '';
      state.cursor = null;
      renderDlqList(false).catch(function () {});
    } else {
      show('overview');
      poll(function () { return json('GET', '/ops/api/overview').then(renderOverview); });
    }
  }
  // The readiness pill stays current on every view (the overview also refreshes it with its figures).
  function statusOnce() {
    if (!state.key || state.view === 'overview') return;
    fetch('/health/ready').then(function (res) { return res.json(); }).then(function (r) {
      setStatus(r.status, Object.keys(r.checks).map(function (n) { return n + ': ' + (r.checks[n].ok ? 'ok' : 'DOWN') + ' (' + r.checks[n].detail + ')'; }).join('\n'));
    }).catch(function () { setStatus('unreachable', 'The gateway did not answer.'); });
  }
  window.addEventListener('hashchange', route);
  route();
  setInterval(statusOnce, 5000);
})();
`;
