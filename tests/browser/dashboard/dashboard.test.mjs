// Real-browser test of the entente dashboard: Playwright (playwright-core) driving Debian's chromium, axe-core for
// accessibility. Run by tests/browser/dashboard_check.sh, which starts `entente serve --db …` with the users below.
//
// Asserts behaviour, step by step (a failed step is reported and the run goes on; any failure exits 1):
//   sign-in (a wrong password is refused with a message; the skip link and the sign-in form work by keyboard only),
//   an analyst adds a claim with a new estimate of a variable resting on it (a bad estimate first: the field's
//   error; then a preview whose median moves; then one proposal), a reviewer approves it, and the overview's
//   headline moves to the previewed figure; alerts, jobs and the audit log ask an anonymous visitor to sign in; a listed name screened on /dash/screen shows a hit with its explanation, is recorded as an alert,
//   decided false positive with a note, and a second screen shows it allowed; a CSV batch is uploaded, its job
//   finishes and result.csv downloads; every page at 1280 px and 390 px: one h1, landmarks, no horizontal scroll on
//   the phone (nor at 360 px), no axe-core violation of impact serious or critical; no console error and no request that leaves
//   127.0.0.1 anywhere.
//
// Environment: DASH_URL (http://127.0.0.1:PORT), DASH_OUT (artefact folder), ENTENTE_PASSWORD (the users'
// password), DASH_LABEL (sqlite|postgres, printed), DASH_DOCS_IMG (optional folder: write dashboard.png and
// dashboard-phone.png there), CHROMIUM (default /usr/bin/chromium).

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const BASE = need('DASH_URL').replace(/\/$/, '');
const OUT = need('DASH_OUT');
const PASSWORD = need('ENTENTE_PASSWORD');
const LABEL = process.env.DASH_LABEL || 'sqlite';
const DOCS_IMG = process.env.DASH_DOCS_IMG || '';
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
// A listed entity of the UN consolidated list (KPe.003) and a batch with two listed names and one that is not.
const LISTED = 'Tanchon Commercial Bank';
const BATCH_CSV = 'name,country\nKorea Ryonbong General Corporation,KP\nJane Q. Example,GB\nHong Kong Electronics,KP\n';
const TIMEOUT = 120_000;

function need(k) {
  const v = process.env[k];
  if (!v) {
    console.error(`error: environment variable ${k} is not set`);
    process.exit(2);
  }
  return v;
}

mkdirSync(OUT, { recursive: true });

// ---------------------------------------------------------------------------------------------------------------
// results

const failures = [];
const passed = [];

class Fail extends Error {}

function check(cond, what) {
  if (!cond) throw new Fail(what);
}

function equal(actual, expected, what) {
  if (actual !== expected) throw new Fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed.push(name);
    console.log(`ok    ${name} (${Date.now() - t0} ms)`);
    return true;
  } catch (e) {
    const msg = e instanceof Fail ? e.message : (e && e.stack) || String(e);
    failures.push(`${name}: ${msg}`);
    console.log(`FAIL  ${name}: ${msg}`);
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// browser, contexts and the guards every page carries

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic',
  ],
});

/** Problems seen by the guards (console errors, page errors, requests leaving 127.0.0.1, unexpected statuses). */
const guardProblems = [];
const baseHost = new URL(BASE).host;

/** A browser context (one user's cookies) whose pages are all guarded. */
async function newContext(user) {
  const ctx = await browser.newContext({ viewport: WIDTHS.desktop, acceptDownloads: true, locale: 'en-GB' });
  ctx.setDefaultTimeout(TIMEOUT);
  ctx.setDefaultNavigationTimeout(TIMEOUT);
  await ctx.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.protocol === 'blob:' || (u.hostname === '127.0.0.1' && u.host === baseHost)) {
      return route.continue();
    }
    guardProblems.push(`[${user}] request leaving 127.0.0.1 blocked: ${route.request().url()}`);
    return route.abort('blockedbyclient');
  });
  ctx.on('page', (p) => guard(p, user));
  return ctx;
}

/** HTTP statuses >= 400 a page may answer right now (set by the step expecting them). */
function guard(page, user) {
  page.expectStatuses = new Set();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const t = m.text();
    const s = /status of (\d{3})/.exec(t);
    if (s && t.startsWith('Failed to load resource') && page.expectStatuses.has(Number(s[1]))) return;
    guardProblems.push(`[${user}] console error on ${page.url()}: ${t}`);
  });
  page.on('pageerror', (e) => guardProblems.push(`[${user}] script error on ${page.url()}: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !page.expectStatuses.has(r.status())) {
      guardProblems.push(`[${user}] unexpected HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
    }
  });
}

/** Runs `fn` on `page` while it may answer the given statuses. */
async function expecting(page, statuses, fn) {
  for (const s of statuses) page.expectStatuses.add(s);
  try {
    return await fn();
  } finally {
    for (const s of statuses) page.expectStatuses.delete(s);
  }
}

async function go(page, path, { statuses = [] } = {}) {
  return expecting(page, statuses, async () => {
    const r = await page.goto(BASE + path, { waitUntil: 'load' });
    check(r, `no response for ${path}`);
    return r;
  });
}

/** Clicks and waits for the navigation the click starts (a form submission or a link). */
async function clickAndWait(page, locator, { statuses = [] } = {}) {
  return expecting(page, statuses, async () => {
    const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
    return resp;
  });
}

/** Signs in with the form (mouse and typing). */
async function signIn(page, name, password = PASSWORD) {
  await go(page, '/login');
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(password);
  return clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
}

async function whoText(page) {
  return (await page.locator('header .who').innerText()).replace(/\s+/g, ' ').trim();
}

/** "USD 1.23 bn" → 1.23e9. */
function usd(text) {
  const m = /USD\s*(-?[\d.,]+)\s*(bn|M|k)?/.exec(text);
  if (!m) return NaN;
  const x = Number(m[1].replace(/,/g, ''));
  return x * ({ bn: 1e9, M: 1e6, k: 1e3 }[m[2]] ?? 1);
}

/** The overview's headline section as numbers: the median shown big, the 90 % interval, the confidence, the shares
 * of the spread by evidence grade, the ledger revision. */
async function headline(page) {
  await go(page, '/dash');
  const sec = page.locator('section.headline');
  const text = (await sec.innerText()).replace(/\s+/g, ' ');
  const median = (await sec.locator('.big[data-figure]').innerText()).trim();
  const money = 'USD [\\d.,]+(?: bn| M| k)?';
  const interval = new RegExp(`90 % interval (${money}) – (${money})`).exec(text);
  const mix = /strong evidence \(A–B, 1–2\) for ([\d.]+ %), fair evidence for ([\d.]+ %), weak evidence for ([\d.]+ %) and analyst assumptions for ([\d.]+ %)/.exec(text);
  const confidence = /Confidence from the evidence grades: (\w+)/.exec(text);
  const rev = /ledger revision (\d+)/.exec(text);
  return {
    median,
    medianValue: usd(median),
    p5: interval ? interval[1] : null,
    p95: interval ? interval[2] : null,
    strong: mix ? mix[1] : null,
    fair: mix ? mix[2] : null,
    weak: mix ? mix[3] : null,
    assumption: mix ? mix[4] : null,
    confidence: confidence ? confidence[1] : null,
    revision: rev ? Number(rev[1]) : null,
    text,
  };
}

/** The numbers of the headline that a change can move (everything but the revision). */
function numbers(h) {
  const { median, p5, p95, strong, fair, weak, assumption, confidence } = h;
  return { median, p5, p95, strong, fair, weak, assumption, confidence };
}

// ---------------------------------------------------------------------------------------------------------------
// the users (created by dashboard_check.sh with `entente users add`)

const anonCtx = await newContext('anonymous');
const anon = await anonCtx.newPage();
const viewerCtx = await newContext('viewer');
const analystCtx = await newContext('analyst');
const reviewerCtx = await newContext('reviewer');
const adminCtx = await newContext('admin');
const viewer = await viewerCtx.newPage();
const analyst = await analystCtx.newPage();
const reviewer = await reviewerCtx.newPage();
const admin = await adminCtx.newPage();

const state = {}; // what the flows found, for later steps and the page sweep

await step('a wrong password is refused with a message', async () => {
  await go(viewer, '/login');
  await viewer.getByLabel('User name').fill('viewer');
  await viewer.getByLabel('Password').fill(PASSWORD + '-wrong');
  const r = await clickAndWait(viewer, viewer.getByRole('button', { name: 'Sign in' }), { statuses: [401] });
  equal(r.status(), 401, 'status of a wrong password');
  const err = viewer.locator('#login-error');
  check(await err.isVisible(), 'no visible error message (#login-error) after a wrong password');
  check(/wrong user name or password/i.test(await err.innerText()), `message: ${await err.innerText()}`);
  equal(await err.getAttribute('role'), 'alert', 'the error message role');
  equal(await viewer.getByLabel('User name').inputValue(), 'viewer', 'the user name kept in the form');
  const cookies = await viewerCtx.cookies();
  check(!cookies.some((c) => c.name === 'entente_session'), 'a session cookie was set after a wrong password');
});

await step('sign in (viewer, reviewer, admin): the session cookie is HttpOnly, SameSite=Strict', async () => {
  for (const [page, name, ctx] of [[viewer, 'viewer', viewerCtx], [reviewer, 'reviewer', reviewerCtx], [admin, 'admin', adminCtx]]) {
    await signIn(page, name);
    equal(new URL(page.url()).pathname, '/dash', `${name}: the page after signing in`);
    const who = await whoText(page);
    check(who.includes(`Signed in as ${name} (${name})`), `${name}: header says "${who}"`);
    const c = (await ctx.cookies()).find((x) => x.name === 'entente_session');
    check(c, `${name}: no entente_session cookie`);
    check(c.httpOnly && c.sameSite === 'Strict' && c.secure && c.path === '/', `${name}: cookie flags ${JSON.stringify(c)}`);
  }
});

await step('keyboard only: the skip link, then the sign-in form (analyst)', async () => {
  const page = analyst;
  await go(page, '/login');
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => {
    const a = document.activeElement;
    const r = a.getBoundingClientRect();
    const cs = getComputedStyle(a);
    return {
      tag: a.tagName, text: a.textContent.trim(), href: a.getAttribute('href'),
      visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
      focusRing: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none',
    };
  });
  equal(skip.tag, 'A', 'the first Tab stop');
  equal(skip.text, 'Skip to content', 'the first Tab stop\'s text');
  check(skip.visible, 'the skip link is not visible when focused');
  check(skip.focusRing, 'the focused skip link shows no focus ring (outline or box-shadow)');
  await page.keyboard.press('Enter');
  const focused = await page.evaluate(() => [document.activeElement.id, location.hash]);
  equal(focused[0], 'main', 'focus after following the skip link');
  equal(focused[1], '#main', 'location hash after the skip link');
  await page.keyboard.press('Tab');
  equal(await page.evaluate(() => document.activeElement.id), 'f-name', 'the first Tab stop in main (user name)');
  const ring = await page.evaluate(() => {
    const cs = getComputedStyle(document.activeElement);
    return (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
  });
  check(ring, 'the focused user name field shows no focus ring');
  await page.keyboard.type('analyst');
  await page.keyboard.press('Tab');
  equal(await page.evaluate(() => document.activeElement.id), 'f-password', 'the Tab stop after the user name');
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  equal(new URL(page.url()).pathname, '/dash', 'the page after signing in by keyboard');
  check((await whoText(page)).includes('Signed in as analyst (analyst)'), `header says "${await whoText(page)}"`);
});

await step('the overview shows the headline estimate (before the change)', async () => {
  state.before = await headline(analyst);
  const b = state.before;
  check(Number.isFinite(b.medianValue) && b.medianValue > 0, `headline median "${b.median}"`);
  check(b.p5 && b.p95, `no 90 % interval in "${b.text}"`);
  check(usd(b.p5) <= b.medianValue && b.medianValue <= usd(b.p95), `median ${b.median} outside ${b.p5} – ${b.p95}`);
  check(b.strong && b.weak, `no grade mix in "${b.text}"`);
  check(b.revision !== null, 'no ledger revision shown');
  console.log(`      headline before: ${JSON.stringify(numbers(b))}, revision ${b.revision}`);
});

if (DOCS_IMG) {
  await step('README screenshots of the overview (before any change)', async () => {
    mkdirSync(DOCS_IMG, { recursive: true });
    for (const [size, viewport, file] of [['desktop', WIDTHS.desktop, 'dashboard.png'], ['phone', WIDTHS.phone, 'dashboard-phone.png']]) {
      const page = await viewerCtx.newPage();
      await page.setViewportSize(viewport);
      await go(page, '/dash');
      await page.screenshot({ path: join(DOCS_IMG, file), fullPage: false });
      console.log(`      ${size}: ${join(DOCS_IMG, file)}`);
      await page.close();
    }
  });
}

// The estimate's numbers come from the variables' dated estimates (variables.toml), which cite claims as their
// evidence: a claim alone moves no figure. So the analyst adds a claim together with a new estimate resting on it
// (the claim form's "Use this claim in a new estimate"): a much larger container count. A bad estimate first
// (low above high: the validator's error beside the estimate's field), then a preview whose median moves up, then
// one proposal holding both records.
const NEW_CLAIM = {
  id: 'browser-containers-2025-09', sources: 'newspim-2025-07-13', measure: 'containers shipped KP->RU, cumulative',
  value: '80000', unit: 'container', date: '2025-09-01',
};

await step('analyst: a claim with a new estimate; a field error, a preview whose median moves, then a proposal', async () => {
  const page = analyst;
  await go(page, '/dash/edit/claim');
  equal(await page.locator('h1').innerText(), 'Add a claim', 'new claim page title');
  const effect = await page.locator('#claim-effect').innerText();
  check(/on its own it moves no figure/.test(effect), `the form does not say a claim alone moves nothing: ${effect}`);
  check(await page.locator('#f-est_variable option[value="containers"]').count() === 1, 'no variable "containers" to estimate');
  await page.locator('#f-id').fill(NEW_CLAIM.id);
  await page.locator('#f-sources').fill(NEW_CLAIM.sources);
  await page.locator('#f-measure').fill(NEW_CLAIM.measure);
  await page.locator('#f-value_kind').selectOption('point');
  await page.locator('#f-value_a').fill(NEW_CLAIM.value);
  await page.locator('#f-unit').fill(NEW_CLAIM.unit);
  await page.locator('#f-as_of').fill(NEW_CLAIM.date);
  await page.locator('#f-public').fill(NEW_CLAIM.date);
  await page.locator('#f-est_variable').selectOption('containers');
  await page.locator('#f-est_dist').selectOption('pert');
  await page.locator('#f-est_low').fill('90000');
  await page.locator('#f-est_mode').fill('70000');
  await page.locator('#f-est_high').fill('60000');
  await page.locator('#f-est_note').fill('browser test: far more containers');
  const r0 = await clickAndWait(page, page.getByRole('button', { name: 'Preview' }), { statuses: [422] });
  equal(r0.status(), 422, 'status of a form whose estimate has low above high');
  const errs = page.locator('#f-est_low-error, #f-est_mode-error, #f-est_high-error');
  check(await errs.count() >= 1, 'no error beside the estimate\'s low / mode / high');
  const errText = await errs.first().innerText();
  check(/the new estimate of containers/.test(errText), `estimate error: ${errText}`);
  const errId = await errs.first().getAttribute('id');
  const field = page.locator(`#${errId.replace(/-error$/, '')}`);
  equal(await field.getAttribute('aria-invalid'), 'true', 'aria-invalid on the estimate field at fault');
  check((await field.getAttribute('aria-describedby') || '').includes(errId), 'the estimate field is not described by its error');
  check(await page.locator('#form-errors[role=alert]').isVisible(), 'no error summary (#form-errors)');
  check(await page.locator('#preview').count() === 0, 'a preview was shown for an invalid estimate');
  equal(await page.locator('#f-est_low').inputValue(), '90000', 'the values kept in the form');
  await page.locator('#f-est_low').fill('60000');
  await page.locator('#f-est_high').fill('90000');

  const rowCells = async (row) => page.locator('#preview tbody tr', { has: page.locator(`th:text-is("${row}")`) }).locator('td').allInnerTexts();
  const r1 = await clickAndWait(page, page.getByRole('button', { name: 'Preview' }));
  equal(r1.status(), 200, 'status of the preview');
  const now = await rowCells('Now');
  const after = await rowCells('With this change');
  check(now.length >= 5 && after.length >= 5, `the preview table has no Now / With this change rows (${now} / ${after})`);
  equal(now[0], state.before.median, 'the preview\'s "Now" median against the overview');
  equal(now[3], state.before.strong, 'the preview\'s "Now" share on strong evidence against the overview');
  check(usd(after[0]) > usd(now[0]) * 1.2, `the previewed median does not move up: ${now[0]} → ${after[0]}`);
  state.claim = { id: NEW_CLAIM.id, previewNow: now, previewAfter: after };
  console.log(`      claim ${NEW_CLAIM.id} + containers estimate pert 60000/70000/90000: preview ${now.join(' / ')} → ${after.join(' / ')}`);
  await page.getByLabel('Why this change (for the reviewer)').fill('browser test: a much larger container count');
  const r = await clickAndWait(page, page.getByRole('button', { name: 'Submit for review' }));
  const m = /\/dash\/changes\/(\d+)$/.exec(new URL(page.url()).pathname);
  check(m, `after submitting: at ${page.url()} (status ${r.status()}), not a change page`);
  state.change = Number(m[1]);
  const main = await page.locator('main').innerText();
  check(/proposed/i.test(main), 'the new change is not shown as proposed');
  check(main.includes('claims.toml') && main.includes('variables.toml'), 'the change does not hold the claim and the variable');
  check(await page.getByRole('button', { name: 'Approve and apply' }).count() === 0, 'the author is offered to approve their own change');
  const unchanged = await headline(page);
  equal(JSON.stringify(numbers(unchanged)), JSON.stringify(numbers(state.before)), 'the headline before a reviewer approved');
});

await step('reviewer approves the change; the overview headline moves to the previewed figures', async () => {
  check(state.change, 'no change was proposed');
  await go(reviewer, `/dash/changes/${state.change}`);
  await clickAndWait(reviewer, reviewer.getByRole('button', { name: 'Approve and apply' }));
  const main = await reviewer.locator('main').innerText();
  check(/approved/i.test(main), `the change is not shown approved: ${main.slice(0, 300)}`);
  const after = await headline(analyst);
  console.log(`      headline after: ${JSON.stringify(numbers(after))}, revision ${after.revision}`);
  check(JSON.stringify(numbers(after)) !== JSON.stringify(numbers(state.before)), 'the headline numbers did not change');
  check(after.revision > state.before.revision, `revision ${state.before.revision} → ${after.revision}`);
  check(after.medianValue > state.before.medianValue * 1.2, `the median did not move up: ${state.before.median} → ${after.median}`);
  const p = state.claim.previewAfter;
  equal(after.median, p[0], 'the new median against the preview\'s "With this change"');
  equal(after.p5, p[1], 'the new P5 against the preview');
  equal(after.p95, p[2], 'the new P95 against the preview');
  equal(after.strong, p[3], 'the new share on strong evidence against the preview');
  state.after = after;
});

await step('roles: a viewer may not open the claim form, nor approve a change', async () => {
  const r = await go(viewer, '/dash/edit/claim', { statuses: [403] });
  equal(r.status(), 403, 'status of the claim form for a viewer');
  const msg = await viewer.locator('main [role=alert]').innerText();
  check(/needs the role `analyst`/.test(msg), `the refusal does not name the role: ${msg}`);
  await go(viewer, `/dash/changes/${state.change ?? 1}`);
  check(await viewer.getByRole('button', { name: /Approve|Reject|Revert/ }).count() === 0, 'a viewer is offered a review button');
});

await step('CSRF: a form with a forged token is refused and changes nothing', async () => {
  const id = state.claim?.id || state.evidenceClaim;
  await go(analyst, `/dash/edit/claim/${encodeURIComponent(id)}`);
  await analyst.locator('form.stack input[name=csrf]').evaluate((i) => { i.value = 'forged'; });
  await analyst.getByLabel('Why this change (for the reviewer)').fill('forged');
  const r = await clickAndWait(analyst, analyst.getByRole('button', { name: 'Submit for review' }), { statuses: [403] });
  equal(r.status(), 403, 'status of a forged form');
  check(/security token/.test(await analyst.locator('main').innerText()), 'the refusal does not name the security token');
  await go(analyst, '/dash/changes');
  check(!/forged/.test(await analyst.locator('main').innerText()), 'a change with the forged token was stored');
});

await step('screening alerts, batch jobs and the audit log need a session (names are personal data)', async () => {
  for (const path of ['/dash/alerts', '/dash/audit', '/dash/jobs/0123456789abcdef']) {
    const page = await anonCtx.newPage();
    try {
      await go(page, path);
      equal(new URL(page.url()).pathname, '/login', `an anonymous visit to ${path} ends at`);
    } finally {
      await page.close();
    }
  }
});

await step('the audit log shows the proposal and the approval with their actors', async () => {
  await go(viewer, '/dash/audit');
  const text = await viewer.locator('main').innerText();
  check(/propose/.test(text) && /analyst/.test(text), 'no "propose" by analyst in the audit log');
  check(/approve/.test(text) && /reviewer/.test(text), 'no "approve" by reviewer in the audit log');
});

async function screenName(page, name) {
  await go(page, '/dash/screen');
  await page.getByLabel('Name', { exact: true }).fill(name);
  return clickAndWait(page, page.getByRole('button', { name: 'Screen', exact: true }));
}

await step(`screening "${LISTED}" shows a hit with its explanation; recorded as an alert`, async () => {
  const page = analyst;
  await screenName(page, LISTED);
  const table = page.locator('table', { has: page.locator(`caption:text-is("Hits for ${LISTED}")`) });
  check(await table.count() === 1, `no table "Hits for ${LISTED}"`);
  const row = table.locator('tbody tr').first();
  const entity = (await row.locator('th code').innerText()).trim();
  const cells = await row.locator('td').allInnerTexts();
  check(cells.length >= 6, `hit row has ${cells.length} cells`);
  const score = Number(cells[0]);
  check(score > 0 && score <= 1, `score "${cells[0]}"`);
  check(/alert/i.test(cells[1]), `status of the first hit: "${cells[1]}"`);
  check(/tanchon/i.test(cells[2]), `listed name "${cells[2]}"`);
  const explanation = cells[5];
  check(explanation.trim().length > 20 && /matched fields/.test(explanation), `explanation "${explanation}"`);
  state.entity = entity;
  console.log(`      hit ${entity} score ${cells[0]}: ${explanation.split('\n')[0]}`);
  await clickAndWait(page, page.getByRole('button', { name: 'Record these hits as alerts' }));
  const notice = await page.locator('main p.notice[role=status]').first().innerText();
  check(/^Recorded [1-9]\d* alerts?\b/.test(notice), `notice after recording: ${notice}`);
});

await step('the alert is decided false positive with a note', async () => {
  check(state.entity, 'no hit to decide');
  const page = analyst;
  await go(page, '/dash/alerts?show=open');
  const card = page.locator('article.card', { has: page.locator(`code:text-is("${state.entity}")`) })
    .filter({ hasText: LISTED }).first();
  check(await card.count() === 1, `no open alert card for ${LISTED} → ${state.entity}`);
  const h = await card.locator('h3').innerText();
  state.alert = Number(/Alert (\d+)/.exec(h)[1]);
  // a decision without its note is refused, naming the field
  await card.getByLabel('False positive', { exact: true }).check();
  const r0 = await expecting(page, [422, 400], async () => {
    const [resp] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      // bypass the browser's own `required` check, to see the server's message
      card.locator('textarea[name=note]').evaluate((t) => { t.removeAttribute('required'); t.form.requestSubmit(); }),
    ]);
    return resp;
  });
  check(r0.status() >= 400, `a decision without a note answered ${r0.status()}`);
  check(/note/i.test(await page.locator('main [role=alert]').first().innerText()), 'the refusal does not name the note');
  const card2 = page.locator(`#alert-${state.alert}`);
  await card2.getByLabel('False positive', { exact: true }).check();
  await card2.getByLabel('Note (required)').fill('browser test: a different bank of the same name');
  await clickAndWait(page, card2.getByRole('button', { name: 'Record decision' }));
  const notice = await page.locator('main [role=status]').first().innerText();
  check(new RegExp(`Alert ${state.alert} decided: false positive`).test(notice), `notice: ${notice}`);
  check(/allowed in later screens until/.test(notice), `notice: ${notice}`);
  await go(page, '/dash/alerts');
  const row = page.locator(`tr#alert-${state.alert}`);
  check(await row.count() === 1, 'the decided alert is not in the decided table');
  const t = await row.innerText();
  check(/False positive/.test(t) && /a different bank/.test(t) && /analyst/.test(t), `decided row: ${t}`);
});

await step('screening the name again shows the hit allowed by the decision', async () => {
  check(state.alert, 'no decision');
  const page = analyst;
  await screenName(page, LISTED);
  const row = page.locator('table tbody tr', { has: page.locator(`th code:text-is("${state.entity}")`) }).first();
  check(await row.count() === 1, `no row for ${state.entity} on the second screen`);
  const status = await row.locator('td').nth(1).innerText();
  check(/allowed/i.test(status), `status of ${state.entity}: "${status}"`);
  check(status.includes(`by decision`) && status.includes('analyst'), `allowed status names no decision: "${status}"`);
  check(/allowed by earlier decisions/.test(await page.locator('#results-h + p, section[aria-labelledby=results-h] p[role=status]').first().innerText()),
    'the results summary does not count the allowed hit');
});

await step('a CSV batch is uploaded, its job finishes and result.csv downloads', async () => {
  const page = analyst;
  await go(page, '/dash/screen');
  await page.locator('#f-file').setInputFiles({ name: 'batch.csv', mimeType: 'text/csv', buffer: Buffer.from(BATCH_CSV) });
  await clickAndWait(page, page.getByRole('button', { name: 'Upload and screen' }));
  const m = /\/dash\/jobs\/([^/?#]+)$/.exec(new URL(page.url()).pathname);
  check(m, `after the upload: at ${page.url()}, not a job page`);
  state.job = m[1];
  await page.locator('main').getByText(/^Done:/).waitFor({ timeout: TIMEOUT });
  const done = await page.locator('main [role=status]').first().innerText();
  check(/3 parties screened/.test(done), `job summary: ${done}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download result.csv' }).click()]);
  const file = join(OUT, `${LABEL}-batch-result.csv`);
  await dl.saveAs(file);
  const csv = readFileSync(file, 'utf8');
  const lines = csv.trim().split('\n');
  check(lines.length >= 2, `result.csv has ${lines.length} lines`);
  check(/ryonbong/i.test(csv), 'result.csv does not mention the Ryonbong hit');
  check(!/Jane Q\. Example.*(KPe|un-)/i.test(csv), 'the unlisted party got a hit');
  equal(dl.suggestedFilename(), 'batch-screened.csv', 'the download\'s file name');
  console.log(`      result.csv: ${lines.length} lines, saved to ${file}`);
});

// ---------------------------------------------------------------------------------------------------------------
// every page at both widths: structure, horizontal scroll, axe-core, screenshots

/** [name, page of which user, open(page) → response status]. */
const claimId = () => state.claim?.id || state.evidenceClaim;
const pages = [
  ['login', anon, async (p) => (await go(p, '/login')).status()],
  ['overview', viewer, async (p) => (await go(p, '/dash')).status()],
  ['overview-as-of', viewer, async (p) => {
    await go(p, '/dash');
    const prev = p.locator('a[rel=prev]');
    check(await prev.count() === 1, 'the overview has no "as of" step back');
    return (await clickAndWait(p, prev)).status();
  }],
  ['evidence', viewer, async (p) => (await go(p, '/dash/evidence')).status()],
  ['evidence-filtered', viewer, async (p) => (await go(p, '/dash/evidence?grade=B3&q=shell')).status()],
  ['evidence-bad-filter', viewer, async (p) => (await go(p, '/dash/evidence?grade=Z9&from=yesterday', { statuses: [400] })).status()],
  ['claim', viewer, async (p) => (await go(p, `/dash/claims/${encodeURIComponent(claimId())}`)).status()],
  ['source', viewer, async (p) => {
    await go(p, `/dash/claims/${encodeURIComponent(claimId())}`);
    return (await clickAndWait(p, p.locator('main a[href^="/dash/sources/"]').first())).status();
  }],
  ['explain', viewer, async (p) => {
    await go(p, `/dash/claims/${encodeURIComponent(claimId())}`);
    return (await clickAndWait(p, p.locator('main a[href^="/dash/explain/"]').first())).status();
  }],
  ['edit-claim-new', analyst, async (p) => (await go(p, '/dash/edit/claim')).status()],
  ['edit-claim-errors', analyst, async (p) => {
    await go(p, `/dash/edit/claim/${encodeURIComponent(claimId())}`);
    await p.locator('#f-value_a').fill('lots');
    await p.locator('#f-public').fill('');
    return (await clickAndWait(p, p.getByRole('button', { name: 'Preview' }), { statuses: [422] })).status();
  }],
  ['edit-claim-preview', analyst, async (p) => {
    // a claim's value changed without an estimate: the preview says no figure moves, and why
    await go(p, `/dash/edit/claim/${encodeURIComponent(claimId())}`);
    await p.locator('#f-value_a').fill('85000');
    const status = (await clickAndWait(p, p.getByRole('button', { name: 'Preview' }))).status();
    const text = await p.locator('#preview').innerText();
    check(/No figure moves: no estimate rests on what this change alters/.test(text), `the preview does not say why nothing moves: ${text}`);
    return status;
  }],
  ['edit-source-new', analyst, async (p) => (await go(p, '/dash/edit/source')).status()],
  ['changes', reviewer, async (p) => (await go(p, '/dash/changes')).status()],
  ['change', reviewer, async (p) => (await go(p, `/dash/changes/${state.change ?? 1}`)).status()],
  ['audit', viewer, async (p) => (await go(p, '/dash/audit')).status()],
  ['admin', admin, async (p) => (await go(p, '/dash/admin')).status()],
  ['screen', viewer, async (p) => (await go(p, '/dash/screen')).status()],
  ['screen-results', analyst, async (p) => (await screenName(p, LISTED)).status()],
  ['alerts', analyst, async (p) => (await go(p, '/dash/alerts')).status()],
  ['lists', viewer, async (p) => (await go(p, '/dash/lists')).status()],
  ['job', analyst, async (p) => (await go(p, `/dash/jobs/${state.job ?? 'none'}`)).status()],
  ['not-found', viewer, async (p) => (await go(p, '/dash/no-such-page', { statuses: [404] })).status()],
];
const expectedStatus = { 'edit-claim-errors': 422, 'evidence-bad-filter': 400, 'not-found': 404 };

const axeSummary = [];
for (const [name, userPage, open] of pages) {
  for (const [size, viewport] of Object.entries(WIDTHS)) {
    await step(`page ${name} at ${viewport.width} px`, async () => {
      const page = await userPage.context().newPage();
      try {
        await page.setViewportSize(viewport);
        const status = await open(page);
        equal(status, expectedStatus[name] ?? 200, 'status');
        const shape = await page.evaluate(() => ({
          h1: document.querySelectorAll('h1').length,
          main: document.querySelectorAll('main').length,
          header: document.querySelectorAll('header').length,
          nav: document.querySelectorAll('nav').length,
          lang: document.documentElement.lang,
          title: document.title,
          scrollWidth: document.documentElement.scrollWidth,
          skip: !!document.querySelector('a[href="#main"]'),
        }));
        equal(shape.h1, 1, 'number of h1');
        equal(shape.main, 1, 'number of main landmarks');
        check(shape.header >= 1 && shape.nav >= 1, `landmarks: ${shape.header} header, ${shape.nav} nav`);
        check(shape.skip, 'no skip link to #main');
        check(shape.lang === 'en', `html lang="${shape.lang}"`);
        if (size === 'phone') {
          check(shape.scrollWidth <= viewport.width + 1,
            `the page scrolls horizontally: scrollWidth ${shape.scrollWidth} > ${viewport.width}` + await widest(page, viewport.width));
          // responsive from 360 px: no horizontal scroll at the narrowest width either (screenshots stay at 390)
          await page.setViewportSize({ width: 360, height: 780 });
          const narrow = await page.evaluate(() => document.documentElement.scrollWidth);
          check(narrow <= 361, `at 360 px the page scrolls horizontally: scrollWidth ${narrow}` + await widest(page, 360));
          await page.setViewportSize(viewport);
        }
        const shot = join(OUT, `${LABEL}-${name}-${size}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        await page.evaluate(AXE);
        const axe = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
        const report = join(OUT, `${LABEL}-${name}-${size}.axe.json`);
        writeFileSync(report, JSON.stringify({ url: axe.url, violations: axe.violations, incomplete: axe.incomplete.length }, null, 2));
        const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        const minor = axe.violations.filter((v) => !bad.includes(v));
        for (const v of minor) axeSummary.push(`${name} ${size}: ${v.impact} ${v.id} (${v.nodes.length}) ${v.help}`);
        check(bad.length === 0, 'axe-core: ' + bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ` +
          v.nodes.slice(0, 3).map((n) => n.target.join(' ') + (n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ')}]` : '')).join('; ')).join(' | '));
      } finally {
        await page.close();
      }
    });
  }
}

/** The elements that stick out of the viewport or whose text overflows them, outside the scroll boxes (for the
 * message of a failed horizontal-scroll check). */
async function widest(page, width) {
  const found = await page.evaluate((w) => {
    const out = [];
    const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().replace(/\s+/g, '.') : ''}`;
    for (const el of document.querySelectorAll('main *, header *, footer *')) {
      if (el.closest('.scroll')) continue;
      const r = el.getBoundingClientRect();
      const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (r.right > w + 1 || (text && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)) {
        out.push(`${name(el)} (right ${Math.round(r.right)}, scrollWidth ${el.scrollWidth}): "${el.textContent.trim().slice(0, 80)}"`);
      }
      if (out.length >= 4) break;
    }
    return out;
  }, width);
  return found.length ? `; overflowing: ${found.join('; ')}` : '';
}

await step('signing out ends the session', async () => {
  await go(viewer, '/dash');
  await clickAndWait(viewer, viewer.getByRole('button', { name: 'Sign out' }));
  equal(new URL(viewer.url()).pathname, '/login', 'the page after signing out');
  check(!(await viewerCtx.cookies()).some((c) => c.name === 'entente_session' && c.value), 'the session cookie is still set');
  await go(viewer, '/dash');
  check(!(await whoText(viewer)).includes('Signed in'), `header after signing out: ${await whoText(viewer)}`);
});

await step('no console error, script error, unexpected HTTP error or request leaving 127.0.0.1', async () => {
  check(guardProblems.length === 0, `${guardProblems.length} problem(s):\n        ` + guardProblems.join('\n        '));
});

await browser.close();

if (axeSummary.length) {
  console.log(`axe-core violations of impact moderate or minor (reported, not failed): ${axeSummary.length}`);
  for (const s of axeSummary) console.log(`      ${s}`);
}
writeFileSync(join(OUT, `${LABEL}-summary.json`), JSON.stringify({ passed, failures, axe_minor: axeSummary, guard: guardProblems }, null, 2));
console.log(`\n${LABEL}: ${passed.length} passed, ${failures.length} failed; artefacts in ${OUT}`);
if (failures.length) {
  console.log('failures:');
  for (const f of failures) console.log(`  - ${f}`);
  process.exit(1);
}
