// Drives Midge's dashboard in headless Chromium (Debian's chromium, through playwright-core) as
// DashboardBrowserTest asks, printing one JSON line per step and a summary line last:
//
//   node dashboard-check.js URL CLIENT_ID [SCREENSHOT.png]
//
// 1. opens URL and waits for the clients table to show CLIENT_ID, with its heartbeat;
// 2. opens the client's detail view;
// 3. clicks its Disconnect button (accepting the confirmation) and waits for the row to go.
// Exits 0 when every step passed, 1 otherwise. CHROMIUM names the browser (default: chromium on
// the PATH, /usr/bin/chromium).
'use strict';

const { chromium } = require('playwright-core');
const fs = require('fs');

const [url, clientId, screenshot] = process.argv.slice(2);
if (!url || !clientId) {
  console.error('usage: node dashboard-check.js URL CLIENT_ID [SCREENSHOT.png]');
  process.exit(2);
}

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
const summary = { loaded: false, shown: false, heartbeat: null, detail: false, gone: false,
  consoleErrors: [] };

(async () => {
  const browser = await chromium.launch({
    executablePath: executable(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error') summary.consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => summary.consoleErrors.push(String(e)));
    page.on('dialog', (d) => d.accept());

    await page.goto(url, { waitUntil: 'load', timeout: 15000 });
    summary.loaded = (await page.title()) === 'Midge';
    log('loaded', { title: await page.title() });

    const row = page.locator('#clients tr').filter({ has: page.locator('td.id', { hasText: clientId }) });
    await row.first().waitFor({ state: 'visible', timeout: 15000 });
    summary.shown = true;
    // The heartbeat counts down to the keep-alive deadline: a number of seconds is shown.
    await page.waitForFunction((id) => {
      const tr = [...document.querySelectorAll('#clients tr')].find((t) => t.dataset.clientId === id);
      return tr && /\d+\.\d s/.test(tr.querySelector('.left').textContent);
    }, clientId, { timeout: 10000 });
    summary.heartbeat = await row.first().locator('.left').textContent();
    log('shown', { heartbeat: summary.heartbeat });

    await row.first().locator('td.id').click();
    await page.locator('#detail:not([hidden]) #detail-fields dd').first().waitFor({ timeout: 10000 });
    summary.detail = (await page.locator('#detail-id').textContent()) === clientId;
    log('detail', { ok: summary.detail });
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });

    await row.first().locator('button.disconnect').click();
    await row.first().waitFor({ state: 'detached', timeout: 15000 });
    summary.gone = true;
    log('gone');
  } catch (e) {
    summary.error = String(e && e.message ? e.message : e);
  } finally {
    await browser.close();
  }
  log('summary', summary);
  const ok = summary.loaded && summary.shown && summary.detail && summary.gone
    && summary.consoleErrors.length === 0;
  process.exit(ok ? 0 : 1);
})().catch((e) => {
  log('summary', { ...summary, error: String(e) });
  process.exit(1);
});
