// MQTT over WebSocket in headless Chromium (Debian's chromium, through playwright-core), as
// WebSocketBrowserTest asks: a page loads mqtt.js (the browser bundle from
// ../mqttjs/node_modules/mqtt/dist, injected from disk: no CDN, no web server), connects to
// URL, subscribes to TOPIC and waits for one message, which the test publishes over TCP. One JSON
// line per step, a summary line last:
//
//   node ws-page-check.js URL TOPIC
//
// Prints {"event":"subscribed"} once the page's SUBACK is in; exits 0 once the page has the
// message, 1 on an error or after 30 s. CHROMIUM names the browser (default: chromium on the
// PATH, /usr/bin/chromium).
'use strict';

const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

const [url, topic] = process.argv.slice(2);
if (!url || !topic) {
  console.error('usage: node ws-page-check.js URL TOPIC');
  process.exit(2);
}
const MQTT_JS = path.join(__dirname, '..', 'mqttjs', 'node_modules', 'mqtt', 'dist', 'mqtt.min.js');

function executable() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const dir of (process.env.PATH || '').split(':')) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = dir + '/' + name;
      if (fs.existsSync(candidate)) return candidate;
    }
  }
  return '/usr/bin/chromium';
}

const log = (event, extra) => console.log(JSON.stringify({ event, ...extra }));
const summary = { loaded: false, connected: false, subscribed: false, message: null,
  consoleErrors: [] };

(async () => {
  const browser = await chromium.launch({
    executablePath: executable(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => { if (m.type() === 'error') summary.consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => summary.consoleErrors.push(String(e)));
    await page.setContent('<!doctype html><title>Midge WebSocket test</title><pre id="log"></pre>');
    await page.addScriptTag({ path: MQTT_JS });
    summary.loaded = await page.evaluate(() => typeof mqtt === 'object' && typeof mqtt.connect === 'function');
    log('loaded', { mqttJs: summary.loaded });

    await page.exposeFunction('report', (event, extra) => log(event, extra));
    // Runs in the page: connect, subscribe, resolve with the first message.
    const received = page.evaluate(([u, t]) => new Promise((resolve, reject) => {
      const client = mqtt.connect(u, { clientId: 'browser-' + Math.random().toString(16).slice(2),
        protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10000 });
      client.on('connect', () => {
        window.report('connected', {});
        client.subscribe(t, { qos: 1 }, (err) => {
          if (err) { reject(String(err)); return; }
          window.report('subscribed', {});
        });
      });
      client.on('message', (topic, payload) => {
        document.getElementById('log').textContent = topic + ' ' + payload.toString();
        resolve({ topic, payload: payload.toString() });
        client.end();
      });
      client.on('error', (e) => reject(String(e && e.message ? e.message : e)));
    }), [url, topic]);
    const timeout = new Promise((_, reject) => setTimeout(() => reject('no message in 30 s'), 30000));
    summary.message = await Promise.race([received, timeout]);
    summary.connected = true;
    summary.subscribed = true;
    log('message', summary.message);
  } catch (e) {
    summary.error = String(e && e.message ? e.message : e);
  } finally {
    await browser.close();
  }
  log('summary', summary);
  const ok = summary.loaded && summary.message !== null && summary.consoleErrors.length === 0;
  process.exit(ok ? 0 : 1);
})().catch((e) => {
  log('summary', { ...summary, error: String(e) });
  process.exit(1);
});
