// The staff console end to end, in Debian's headless Chromium driven by
// playwright-core (no browser download): log in with the keyboard only,
// scan a library card like a USB scanner (type + Enter), return a copy of
// the title the patron reserved so it is set aside, see it on the hold
// shelf, check it out to the patron, check that a POST without the CSRF
// token is refused, log out. A screenshot of every page goes to
// $SCREENSHOTS. Started by e2e/run.sh, which prepares the server, the staff
// account, the patron and the hold, and passes them in the environment.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (start this through e2e/run.sh)`);
  return v;
};
const ORIGIN = env('ORIGIN');
const STAFF_USER = env('STAFF_USER');
const STAFF_PASSWORD = env('STAFF_PASSWORD');
const CARD_SCAN = env('CARD_SCAN'); // what the scanner types: A0290000015A
const CARD_HUMAN = env('CARD_HUMAN'); // as printed: 029000001-5
const PATRON_NAME = env('PATRON_NAME');
const PATRON_TOKEN = env('PATRON_TOKEN');
const ITEM = env('ITEM');
const TITLE = env('TITLE');
const BRANCH = env('BRANCH');
const SCREENSHOTS = env('SCREENSHOTS');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 15000;

mkdirSync(SCREENSHOTS, { recursive: true });
let passed = 0;
let failed = 0;
let currentPage = null;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e.stack || e}`);
    if (currentPage) {
      const notice = await currentPage.textContent('#notice').catch(() => null);
      console.log(`     page ${currentPage.url()}, title ${await currentPage.title()}, notice ${notice}`);
      await shot(currentPage, 'FAILED').catch(() => {});
    }
    throw e;
  }
}

async function shot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The id (or text) of the focused element. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? (el.id || el.textContent.trim()) : '';
  });
}

/**
 * Wait (bounded) until the element with `id` has focus: `autofocus` is
 * applied when the page renders, which may come after the load event, and
 * a scanner typing earlier would lose characters.
 */
async function focusOn(page, id, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while ((await focused(page)) !== id) {
    if (Date.now() > deadline) throw new Error(`${id} not focused (focus on ${await focused(page)})`);
    await page.waitForTimeout(20);
  }
}

/** Do `action` (a key press that submits a form) and wait for the new page. */
async function submitting(page, action) {
  const navigated = page.waitForEvent('framenavigated', (f) => f === page.mainFrame());
  await action();
  await navigated;
  await page.waitForLoadState('load');
}

/** Press Tab until the element with `id` (or text) has focus; bounded. */
async function tabTo(page, target, maxTabs = 40) {
  for (let i = 0; i < maxTabs; i += 1) {
    if ((await focused(page)) === target) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${target} not reached with ${maxTabs} Tab presses (at ${await focused(page)})`);
}

async function loansOfPatron() {
  const res = await fetch(`${ORIGIN}/api/v1/me/loans`, {
    headers: { Authorization: `Bearer ${PATRON_TOKEN}` },
  });
  check(res.ok, `GET /api/v1/me/loans: ${res.status}`);
  return (await res.json()).loans;
}

const profile = mkdtempSync(join(tmpdir(), 'shiori-e2e-chromium-'));
let context;
try {
  // launchPersistentContext: the fresh profile is Chromium's --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    locale: 'ja-JP',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = context.pages()[0] || (await context.newPage());
  currentPage = page;
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('response', (r) => {
    // 403 is expected once (the CSRF check); anything else >= 400 is a bug.
    if (r.status() >= 400 && r.status() !== 403) consoleErrors.push(`${r.status()} ${r.url()}`);
  });

  await step('the login page opens with the user name focused', async () => {
    const res = await page.goto(`${ORIGIN}/staff/login`);
    check(res.status() === 200, `status ${res.status()}`);
    check((await page.getAttribute('html', 'lang')) === 'ja', 'lang="ja"');
    const h = res.headers();
    check(h['content-security-policy']?.includes("default-src 'none'"), 'CSP');
    check(h['x-frame-options'] === 'DENY', 'X-Frame-Options');
    check(h['cache-control'] === 'no-store', 'Cache-Control');
    await focusOn(page, 'username');
    await shot(page, '01-login');
  });

  await step('log in with the keyboard only (type, Tab, Enter)', async () => {
    await page.keyboard.type(STAFF_USER);
    await page.keyboard.press('Tab');
    check((await focused(page)) === 'password', 'Tab moves to the password');
    await page.keyboard.type(STAFF_PASSWORD);
    await submitting(page, () => page.keyboard.press('Enter'));
    check(page.url().includes('/staff/desk'), `at ${page.url()}`);
    await focusOn(page, 'card');
    const cookies = await context.cookies(`${ORIGIN}/staff/desk`);
    const session = cookies.find((c) => c.name === 'shiori_staff');
    check(session && session.httpOnly && session.sameSite === 'Strict', 'HttpOnly SameSite=Strict cookie');
    await shot(page, '02-desk');
  });

  await step('the skip link is the first Tab stop and leads to the main content', async () => {
    // The hold shelf page has no autofocus field: Tab starts at the top.
    await page.goto(`${ORIGIN}/staff/shelf?branch=${BRANCH}`);
    await page.keyboard.press('Tab');
    check((await focused(page)).startsWith('本文へ移動'), `first Tab stop: ${await focused(page)}`);
    await page.keyboard.press('Enter');
    check((await focused(page)) === 'main', `after the skip link: ${await focused(page)}`);
  });

  await step('scan the library card like a USB scanner (type + Enter)', async () => {
    await page.goto(`${ORIGIN}/staff/desk`);
    await focusOn(page, 'card');
    await submitting(page, () => page.keyboard.type(`${CARD_SCAN}\n`));
    check(page.url().includes('/staff/desk'), `at ${page.url()}`);
    await page.waitForSelector('#patron-name');
    check((await page.textContent('#patron-name')) === PATRON_NAME, 'the patron name');
    check((await page.textContent('#patron-card')) === CARD_HUMAN, 'the card number');
    check((await page.textContent('#waiting')).includes(TITLE), 'the hold is listed as waiting');
    await focusOn(page, 'item');
    await shot(page, '03-patron-summary');
  });

  await step('return a copy of the reserved title: it goes to the hold shelf for the card', async () => {
    await tabTo(page, 'return');
    await submitting(page, () => page.keyboard.type(`${ITEM}\n`));
    check(page.url().includes('/staff/desk/return'), `at ${page.url()}`);
    const notice = await page.textContent('#notice');
    check(notice.includes('予約棚へ') && notice.includes(CARD_HUMAN), `notice: ${notice}`);
    await focusOn(page, 'return');
    await shot(page, '04-return-to-hold-shelf');
  });

  await step('the copy is on the hold shelf list, by card number', async () => {
    await page.goto(`${ORIGIN}/staff/shelf?branch=${BRANCH}`);
    const shelf = await page.textContent('#shelf');
    check(shelf.includes(CARD_HUMAN) && shelf.includes(ITEM) && shelf.includes(TITLE), `shelf: ${shelf}`);
    await shot(page, '05-hold-shelf');
    await page.goto(`${ORIGIN}/staff/pick-list?branch=${BRANCH}`);
    await shot(page, '06-pick-list');
  });

  await step('scan the card again and check the ready copy out to the patron', async () => {
    await page.goto(`${ORIGIN}/staff/desk`);
    await focusOn(page, 'card');
    await submitting(page, () => page.keyboard.type(`${CARD_SCAN}\n`));
    check(page.url().includes('/staff/desk'), `at ${page.url()}`);
    check((await page.textContent('#ready')).includes(TITLE), 'the ready hold with its shelf and deadline');
    await shot(page, '07-patron-hold-ready');
    await focusOn(page, 'item');
    await submitting(page, () => page.keyboard.type(`${ITEM}\n`));
    check(page.url().includes('/staff/desk/checkout'), `at ${page.url()}`);
    const notice = await page.textContent('#notice');
    check(notice.includes('貸出しました') && notice.includes(TITLE), `notice: ${notice}`);
    check((await page.textContent('#loans')).includes(ITEM), 'the loan is listed');
    check((await loansOfPatron()).length === 1, 'the patron has the loan (API)');
    await shot(page, '08-checked-out');
  });

  await step('a POST without the CSRF token is refused with 403 and changes nothing', async () => {
    const res = await page.request.post(`${ORIGIN}/staff/desk/return`, {
      form: { item: ITEM },
      maxRedirects: 0,
    });
    check(res.status() === 403, `status ${res.status()}`);
    check((await loansOfPatron()).length === 1, 'the loan is still there');
  });

  await step('the same pages in English', async () => {
    await page.goto(`${ORIGIN}/staff/desk?lang=en`);
    check((await page.getAttribute('html', 'lang')) === 'en', 'lang="en"');
    await page.goto(`${ORIGIN}/staff/shelf`);
    check((await page.getAttribute('html', 'lang')) === 'en', 'English remembered');
    await shot(page, '09-hold-shelf-en');
    await page.goto(`${ORIGIN}/staff/sweep?lang=ja`);
    await shot(page, '10-sweep');
  });

  await step('log out with the keyboard; the session is gone', async () => {
    await page.goto(`${ORIGIN}/staff/desk`);
    await tabTo(page, 'ログアウト');
    await submitting(page, () => page.keyboard.press('Enter'));
    check(page.url().includes('/staff/login?bye=1'), `at ${page.url()}`);
    check((await page.textContent('#notice')).includes('ログアウトしました'), 'logged-out notice');
    await shot(page, '11-logged-out');
    await page.goto(`${ORIGIN}/staff/desk`);
    check(page.url().endsWith('/staff/login'), `after logout the desk leads to login: ${page.url()}`);
    check(consoleErrors.length === 0, `no console errors (CSP violations): ${consoleErrors.join('; ')}`);
  });
} catch (e) {
  if (failed === 0) {
    failed += 1;
    console.log(`FAIL setup: ${e.stack || e}`);
  }
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`staff console e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
