/**
 * The ops dashboard page and its stylesheet (the script is in app-js.ts). Static: all data comes from
 * the API after login. Laid out for a laptop screen (1280–1440 px wide), still usable narrower.
 */
export { dashboardJs } from './app-js.js';

export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Crossgate ops</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ops/app.css">
</head>
<body>
<header>
  <h1>Crossgate <span>ops</span></h1>
  <nav id="nav" hidden>
    <a href="#/" data-view="overview">Overview</a>
    <a href="#/dlq" data-view="dlq-list">Dead letters</a>
    <span id="status" class="pill">…</span>
    <button id="logout" type="button" class="link">Log out</button>
  </nav>
</header>
<main>
  <section id="view-login" class="card login">
    <h2>Sign in</h2>
    <p>Enter an admin API key. It is kept in this tab only and sent as a bearer token.</p>
    <form id="login-form" autocomplete="off">
      <label for="api-key">API key</label>
      <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false" required>
      <button type="submit">Sign in</button>
    </form>
    <p id="login-error" class="bad" role="alert"></p>
  </section>

  <section id="view-overview" hidden>
    <div class="tiles">
      <div class="tile"><span class="label">Records/s</span><span id="t-rate" class="value" data-testid="rate">–</span><span id="t-queued" class="sub"></span></div>
      <div class="tile"><span class="label">Accepted</span><span id="t-accepted" class="value" data-testid="accepted-total">–</span><span class="sub">since start</span></div>
      <div class="tile"><span class="label">Rejected</span><span id="t-rejected" class="value" data-testid="rejected-total">–</span><span class="sub">since start</span></div>
      <div class="tile"><span class="label">Outbox</span><span id="t-outbox" class="value" data-testid="outbox-depth">–</span><span class="sub">batches to anchor</span></div>
      <div class="tile"><span class="label">Dead letters</span><span id="t-dlq" class="value" data-testid="dlq-total">–</span><span class="sub">open</span></div>
      <div class="tile"><span class="label">Kafka lag</span><span id="t-lag" class="value" data-testid="lag-total">–</span><span class="sub">messages</span></div>
    </div>
    <div class="grid">
      <div class="card"><h2>Throughput by sector</h2><div id="sectors"></div></div>
      <div class="card"><h2>Dependencies</h2><div id="dependencies"></div><h2>Kafka consumer lag</h2><div id="lag"></div></div>
      <div class="card"><h2>Dead letters by reason</h2><div id="dlq-reasons"></div></div>
      <div class="card"><h2>Recent batches <small id="chain"></small></h2><div id="batches"></div></div>
    </div>
    <p id="updated" class="sub"></p>
  </section>

  <section id="view-dlq-list" class="card" hidden>
    <h2>Dead letters <small id="dlq-total"></small></h2>
    <form id="dlq-filter" class="filters">
      <label>State <select id="f-state"><option value="open">open</option><option value="replayed">replayed</option><option value="discarded">discarded</option><option value="all">all</option></select></label>
      <label>Code <input id="f-code" placeholder="CG_SCHEMA_UNKNOWN"></label>
      <label>Sector <input id="f-sector" placeholder="transport"></label>
      <label>Origin <select id="f-origin"><option value="">any</option><option value="rest">rest</option><option value="kafka">kafka</option><option value="grpc">grpc</option></select></label>
      <label>Tenant <input id="f-tenant"></label>
      <label>Source prefix <input id="f-source" placeholder="/beijing/transport"></label>
      <button type="submit">Filter</button>
    </form>
    <div class="actions">
      <button id="replay-filter" type="button">Replay all matching</button>
      <progress id="replay-progress" hidden></progress>
      <span id="replay-summary" role="status"></span>
    </div>
    <table>
      <thead><tr><th>Id</th><th>Rejected</th><th>Code</th><th>Type</th><th>Record id</th><th>Tenant</th><th>Origin</th><th>Reason</th><th>State</th></tr></thead>
      <tbody id="dlq-rows"></tbody>
    </table>
    <button id="dlq-more" type="button" hidden>More</button>
  </section>

  <section id="view-dlq-entry" hidden>
    <div class="card">
      <h2>Dead letter <span id="e-id"></span> <span id="e-state" class="pill"></span></h2>
      <p><span id="e-code" class="code"></span> <span id="e-message"></span></p>
      <div id="e-facts"></div>
      <div class="actions">
        <button id="e-replay" type="button">Replay</button>
        <form id="e-discard-form" class="inline"><input id="e-reason" placeholder="Reason for discarding (kept in the audit log)" size="40"><button id="e-discard" type="submit" class="danger">Discard</button></form>
        <span id="e-result" role="status"></span>
      </div>
    </div>
    <div class="grid">
      <div class="card"><h2>The record now</h2><div id="e-record"></div><h2>Issues</h2><div id="e-issues"></div><h2>Audit log</h2><div id="e-audit"></div></div>
      <div class="card"><h2>Original payload</h2><pre id="e-payload"></pre><h2>Headers</h2><div id="e-headers"></div></div>
    </div>
  </section>
</main>
<script src="/ops/app.js"></script>
</body>
</html>
`;

export const dashboardCss = `
:root { --bg: #f5f6f8; --card: #fff; --ink: #1c2430; --muted: #667085; --line: #e3e6eb; --accent: #1f5fbf; --ok: #137a3a; --bad: #b42318; --warn: #b54708; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; justify-content: space-between; padding: .6rem 1.2rem; background: #14213d; color: #fff; }
header h1 { font-size: 1.15rem; margin: 0; } header h1 span { font-weight: 400; opacity: .7; }
nav { display: flex; gap: 1rem; align-items: center; }
nav a { color: #cfd8e6; text-decoration: none; } nav a.active { color: #fff; font-weight: 600; border-bottom: 2px solid #fff; }
main { padding: 1rem 1.2rem; max-width: 1500px; margin: 0 auto; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin-bottom: 1rem; overflow: auto; }
.card h2 { font-size: .95rem; margin: .2rem 0 .6rem; } .card h2 + div + h2, .card div + h2 { margin-top: 1rem; }
small, .sub { color: var(--muted); font-weight: 400; font-size: .8rem; }
.tiles { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: .8rem; margin-bottom: 1rem; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; display: flex; flex-direction: column; }
.tile .label { color: var(--muted); font-size: .8rem; } .tile .value { font-size: 1.6rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 1rem; }
@media (max-width: 1000px) { .tiles { grid-template-columns: repeat(3, 1fr); } .grid { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
td.wrap { overflow-wrap: anywhere; } td.nowrap { white-space: nowrap; }
th { color: var(--muted); font-weight: 500; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono, .code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .8rem; }
.code { color: var(--bad); }
pre { background: #f0f2f5; padding: .6rem; border-radius: 6px; max-height: 28rem; overflow: auto; white-space: pre-wrap; word-break: break-all; }
.pill { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .75rem; background: #e4e7ec; color: var(--ink); }
.pill.ok, .state-anchored, .pill.state-replayed { background: #d1fadf; color: var(--ok); }
.pill.bad, .pill.state-open { background: #fee4e2; color: var(--bad); }
.state-sealed { color: var(--warn); } .pill.state-sealed { background: #fef0c7; } .pill.state-discarded { background: #e4e7ec; }
td.state-anchored { background: none; color: var(--ok); } td.state-failed { color: var(--bad); }
.ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); } .empty { color: var(--muted); }
ul { margin: 0; padding-left: 1.1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .4rem 0; } dt { color: var(--muted); } dd { margin: 0; word-break: break-all; }
button { font: inherit; padding: .35rem .8rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button:disabled { opacity: .45; cursor: default; } button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; color: #cfd8e6; padding: 0; }
input, select { font: inherit; padding: .3rem .45rem; border: 1px solid #c9ced6; border-radius: 6px; }
.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: .6rem; } .filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); }
.actions { display: flex; flex-wrap: wrap; gap: .8rem; align-items: center; margin: .6rem 0; } form.inline { display: flex; gap: .4rem; }
progress { width: 14rem; }
.login { max-width: 26rem; margin: 4rem auto; } .login form { display: flex; flex-direction: column; gap: .5rem; }
a { color: var(--accent); }
`;
