// Midge dashboard: polls the admin API (docs/admin-api.md) and draws with plain DOM and SVG.
// No build step: this file is served as it is.
'use strict';

const CLIENTS_EVERY_MS = 1000;
const STATS_EVERY_MS = 5000;
const PAGE = 1000;

const state = {
  clients: [],        // the last page of /api/v1/clients
  total: 0,           // clients connected, all pages
  fetchedAt: 0,       // performance.now() when it arrived
  selected: null,     // client id shown in the detail view
  filter: '',
};

const $ = (id) => document.getElementById(id);

function fmtNumber(n) {
  if (n === null || n === undefined) return '–';
  return Number(n).toLocaleString('en');
}

function fmtRate(n) {
  return n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1);
}

function fmtAgo(epochMs) {
  if (epochMs === null || epochMs === undefined) return '–';
  const s = Math.max(0, (Date.now() - epochMs) / 1000);
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  return Math.floor(s / 3600) + ' h ago';
}

function fmtTime(epochMs) {
  return epochMs === null || epochMs === undefined ? '–' : new Date(epochMs).toISOString();
}

function setStatus(text, error) {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', !!error);
}

async function getJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok && response.status !== 404) {
    throw new Error(url + ': HTTP ' + response.status);
  }
  return { status: response.status, body: await response.json() };
}

// ---- clients ----

async function pollClients() {
  try {
    // One page: each client listed costs the broker a look at its connection, every second.
    const { body } = await getJson('/api/v1/clients?limit=' + PAGE);
    state.clients = body.clients;
    state.total = body.total;
    state.fetchedAt = performance.now();
    renderClients();
    setStatus('live · updated ' + new Date().toLocaleTimeString());
  } catch (e) {
    setStatus('cannot reach the broker: ' + e.message, true);
  }
}

function heartbeat(c) {
  // Time left to the keep-alive deadline, counted down between polls.
  if (c.millisToDeadline === null) return { text: 'no keep alive', fraction: 1, cls: '' };
  const elapsed = performance.now() - state.fetchedAt;
  const left = Math.max(0, c.millisToDeadline - elapsed);
  const limit = c.keepAliveEffective * 1500;
  const fraction = limit > 0 ? Math.min(1, left / limit) : 0;
  const cls = fraction < 0.15 ? 'bad' : fraction < 0.4 ? 'warn' : '';
  return { text: (left / 1000).toFixed(1) + ' s', fraction, cls };
}

function visibleClients() {
  const f = state.filter.toLowerCase();
  return f ? state.clients.filter((c) => c.clientId.toLowerCase().includes(f)
      || c.address.toLowerCase().includes(f)) : state.clients;
}

function renderClients() {
  const body = $('clients');
  const rows = new Map();
  for (const tr of body.querySelectorAll('tr')) rows.set(tr.dataset.clientId, tr);
  const shown = visibleClients();
  const keep = new Set();
  let previous = null;
  for (const c of shown) {
    keep.add(c.clientId);
    let tr = rows.get(c.clientId);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.clientId = c.clientId;
      tr.innerHTML = '<td class="id"></td><td class="address"></td><td class="version"></td>'
        + '<td class="keepalive"></td><td><div class="beat"><div class="bar"><div class="fill"></div></div>'
        + '<span class="left"></span></div></td><td class="since"></td><td class="last-in"></td>'
        + '<td class="inflight"></td><td class="queued"></td>'
        + '<td><button type="button" class="danger disconnect">Disconnect</button></td>';
      tr.addEventListener('click', (ev) => {
        if (ev.target.classList.contains('disconnect')) {
          ev.stopPropagation();
          disconnect(tr.dataset.clientId);
        } else {
          select(tr.dataset.clientId);
        }
      });
    }
    tr.querySelector('.id').textContent = c.clientId;
    tr.querySelector('.address').textContent = c.address;
    tr.querySelector('.version').textContent = c.protocolVersion;
    tr.querySelector('.keepalive').textContent = c.keepAliveEffective === c.keepAliveRequested
      ? c.keepAliveEffective + ' s' : c.keepAliveEffective + ' s (asked ' + c.keepAliveRequested + ')';
    tr.querySelector('.since').textContent = fmtAgo(c.connectedSince);
    tr.querySelector('.last-in').textContent = fmtAgo(c.lastPacketIn);
    tr.querySelector('.inflight').textContent = c.inflight;
    tr.querySelector('.queued').textContent = c.queued;
    tr.client = c;
    // Keep the server's order (client id) without rebuilding rows that stay.
    const wanted = previous ? previous.nextSibling : body.firstChild;
    if (wanted !== tr) body.insertBefore(tr, wanted);
    previous = tr;
  }
  for (const [id, tr] of rows) {
    if (!keep.has(id)) tr.remove();
  }
  $('clients-count').textContent = state.total > state.clients.length
    ? '(the first ' + state.clients.length + ' of ' + state.total + ' by client id)'
    : '(' + state.clients.length + ')';
  $('no-clients').hidden = state.clients.length > 0;
  tickHeartbeats();
  if (state.selected !== null) renderDetail();
}

function tickHeartbeats() {
  for (const tr of $('clients').querySelectorAll('tr')) {
    if (!tr.client) continue;
    const h = heartbeat(tr.client);
    const beat = tr.querySelector('.beat');
    beat.className = 'beat ' + h.cls;
    beat.querySelector('.fill').style.width = (h.fraction * 100).toFixed(1) + '%';
    beat.querySelector('.left').textContent = h.text;
  }
}

async function disconnect(id) {
  if (!window.confirm('Disconnect ' + id + '? MQTT 5 clients get DISCONNECT 0x98.')) return;
  await fetch('/api/v1/clients/' + encodeURIComponent(id), { method: 'DELETE' });
  pollClients();
}

// ---- detail ----

function select(id) {
  state.selected = id;
  $('detail').hidden = false;
  $('detail-id').textContent = id;
  renderDetail();
}

async function renderDetail() {
  const id = state.selected;
  if (id === null) return;
  // A client gone from the list is not asked for (the answer would be a 404).
  const listed = state.clients.some((c) => c.clientId === id);
  const { status, body } = listed
    ? await getJson('/api/v1/clients/' + encodeURIComponent(id)) : { status: 404, body: null };
  if (state.selected !== id) return;
  const dl = $('detail-fields');
  dl.textContent = '';
  if (status === 404) {
    const dd = document.createElement('dd');
    dd.textContent = 'not connected any more';
    dl.append(dd);
    return;
  }
  const rows = [
    ['Address', body.address],
    ['MQTT version', body.protocolVersion],
    ['Keep alive asked', body.keepAliveRequested + ' s'],
    ['Keep alive enforced', body.keepAliveEffective + ' s'],
    ['Connected since', fmtTime(body.connectedSince)],
    ['Last packet in', fmtTime(body.lastPacketIn)],
    ['Last packet out', fmtTime(body.lastPacketOut)],
    ['Next deadline', fmtTime(body.nextDeadline)],
    ['Last PINGREQ', fmtTime(body.lastPingAt)],
    ['Broker time for last ping', body.lastPingResponseMicros === null ? '–' : body.lastPingResponseMicros + ' µs'],
    ['TCP round trip', body.tcpRoundTripMicros === null ? '–' : body.tcpRoundTripMicros + ' µs'],
    ['In flight', body.inflight],
    ['Queued', body.queued],
    ['Subscriptions', body.subscriptions],
    ['Session expiry', body.sessionExpiryInterval === 4294967295 ? 'never' : body.sessionExpiryInterval + ' s'],
  ];
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
}

// ---- stats and charts ----

async function pollStats() {
  try {
    const { body } = await getJson('/api/v1/stats');
    const now = body.now;
    $('stat-connections').textContent = fmtNumber(now.connections);
    $('stat-sessions').textContent = fmtNumber(body.sessions);
    $('stat-subscriptions').textContent = fmtNumber(body.subscriptions);
    $('stat-retained').textContent = fmtNumber(body.retained);
    $('stat-timeouts').textContent = fmtNumber(now.keepAliveTimeouts);
    const h = body.history.concat([now]);
    const rates = [];
    for (let i = 1; i < h.length; i++) {
      const dt = (h[i].at - h[i - 1].at) / 1000;
      if (dt <= 0) continue;
      rates.push({
        at: h[i].at,
        in: (h[i].messagesIn - h[i - 1].messagesIn) / dt,
        out: (h[i].messagesOut - h[i - 1].messagesOut) / dt,
        timeouts: h[i].keepAliveTimeouts - h[i - 1].keepAliveTimeouts,
      });
    }
    const last = rates[rates.length - 1];
    $('stat-in-rate').textContent = last ? fmtRate(last.in) : '–';
    $('stat-out-rate').textContent = last ? fmtRate(last.out) : '–';
    // The last point may span less than a sample period: the charts use whole periods only.
    const whole = rates.slice(0, -1);
    lineChart($('chart-messages'), whole, [['in', 'var(--in)'], ['out', 'var(--out)']]);
    barChart($('chart-timeouts'), whole, 'timeouts', 'var(--bad)');
  } catch (e) {
    setStatus('cannot reach the broker: ' + e.message, true);
  }
}

const SVG = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 160;
const PAD = 18;

function svgEl(name, attrs) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function axes(svg, max, points) {
  svg.textContent = '';
  svg.append(svgEl('line', { x1: PAD, y1: H - PAD, x2: W, y2: H - PAD, stroke: '#dde2e8' }));
  const label = svgEl('text', { x: 2, y: 12, 'font-size': 11, fill: '#6b7785' });
  label.textContent = fmtRate(max);
  svg.append(label);
  if (points.length === 0) {
    const t = svgEl('text', { x: W / 2, y: H / 2, 'font-size': 12, fill: '#6b7785', 'text-anchor': 'middle' });
    t.textContent = 'gathering data…';
    svg.append(t);
  }
}

function x(i, n) {
  return PAD + (n <= 1 ? 0 : (i * (W - PAD)) / (n - 1));
}

function y(v, max) {
  return H - PAD - (max > 0 ? (v / max) * (H - 2 * PAD) : 0);
}

function lineChart(svg, points, series) {
  let max = 1;
  for (const p of points) for (const [k] of series) max = Math.max(max, p[k]);
  axes(svg, max, points);
  for (const [k, color] of series) {
    const d = points.map((p, i) => (i ? 'L' : 'M') + x(i, points.length).toFixed(1) + ' '
      + y(p[k], max).toFixed(1)).join(' ');
    if (d) svg.append(svgEl('path', { d, fill: 'none', stroke: color, 'stroke-width': 2 }));
  }
}

function barChart(svg, points, key, color) {
  let max = 1;
  for (const p of points) max = Math.max(max, p[key]);
  axes(svg, max, points);
  const w = Math.max(1, (W - PAD) / Math.max(points.length, 1) - 1);
  points.forEach((p, i) => {
    if (p[key] <= 0) return;
    const top = y(p[key], max);
    svg.append(svgEl('rect', { x: (PAD + i * (W - PAD) / points.length).toFixed(1), y: top.toFixed(1),
      width: w.toFixed(1), height: (H - PAD - top).toFixed(1), fill: color }));
  });
}

// ---- start ----

$('filter').addEventListener('input', (e) => {
  state.filter = e.target.value;
  renderClients();
});
$('detail-close').addEventListener('click', () => {
  state.selected = null;
  $('detail').hidden = true;
});

pollClients();
pollStats();
setInterval(pollClients, CLIENTS_EVERY_MS);
setInterval(pollStats, STATS_EVERY_MS);
setInterval(tickHeartbeats, 200);
