// Signing in: a pasted token, the keyboard alone, refused tokens, the
// development sign-in, a reload that keeps the session, and signing out.

import assert from "node:assert/strict";

import { signJwt } from "../../lib/server.mjs";
import { connState, connected, pageTest, useBrowserAndServer, waitFor } from "../lib/browser.mjs";

const env = useBrowserAndServer(import.meta.url);

/** The signed-in view: the user's name, a green dot, the workspace. */
async function assertSignedIn(page, user) {
  await connected(page);
  assert.equal((await page.locator("#whoami").textContent()).trim(), user);
  assert.equal((await page.locator("#conn").textContent()).trim(), "Connected");
  assert.equal(await page.locator("#workspace").isVisible(), true, "the workspace is shown");
  assert.equal(await page.locator("#signin").isVisible(), false, "the sign-in form is gone");
  assert.equal(await page.locator("#signout").isVisible(), true, "Sign out is offered");
}

pageTest(env, "a pasted token signs in, shows the user and connects; a reload keeps the session", { timeout: 45000 }, async ({ page, server, shot }) => {
  const token = await server.token("alice");
  await page.goto(server.url);
  assert.equal(await connState(page), "down", "the dot is red before signing in");
  assert.equal(await page.locator("#workspace").isVisible(), false);
  await page.locator("#token").fill(token);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await assertSignedIn(page, "alice");
  await shot("signed-in");
  await page.reload();
  await assertSignedIn(page, "alice");
  await shot("signed-in-after-reload");
});

pageTest(env, "the keyboard alone signs in: Tab to the token, type it, press Enter", { timeout: 45000 }, async ({ page, server, shot }) => {
  const token = await server.token("bob");
  await page.goto(server.url);
  const focused = await waitFor(
    page,
    async () => {
      await page.keyboard.press("Tab");
      return (await page.evaluate(() => document.activeElement?.id)) === "token";
    },
    "Tab to reach #token",
    10000,
  );
  assert.ok(focused);
  await page.keyboard.type(token);
  await page.keyboard.press("Enter");
  await assertSignedIn(page, "bob");
  await shot("keyboard-signed-in");
});

/**
 * A refused token costs the page one request that the server answers 401,
 * and Chromium itself logs every 4xx answer as "Failed to load resource".
 * That line — for the sign-in's request, with status 401 — is the only one
 * allowed here; anything from the page's own code still fails the test.
 */
const refused401 = (p) =>
  p.type === "error" && /^Failed to load resource: the server responded with a status of 401\b/.test(p.text) && /\/api\//.test(p.url);

pageTest(env, "refused tokens say so on #signin-error and the dot stays red", { timeout: 60000, allowConsole: refused401 }, async ({ page, server, shot }) => {
  const now = Math.floor(Date.now() / 1000);
  const cases = {
    "forged (another secret)": signJwt({ alg: "HS256", typ: "JWT" }, { sub: "mallory", iat: now, exp: now + 3600 }, "not-the-server-secret"),
    "not a JWT": "not-a-token",
    "expired an hour ago": await server.signedToken({ sub: "mallory", iat: now - 7200, exp: now - 3600 }),
  };
  for (const [what, token] of Object.entries(cases)) {
    await page.goto(server.url);
    assert.equal((await page.locator("#signin-error").textContent()).trim(), "", "no error before signing in");
    await page.locator("#token").fill(token);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const error = page.locator("#signin-error");
    await waitFor(page, async () => (await error.isVisible()) && (await error.textContent()).trim().length > 0, `#signin-error for a token ${what}`);
    assert.match(await error.textContent(), /refused|expired|invalid/i, `the message for a token ${what}`);
    // It stays red: sampled for a while, never connected, never signed in.
    for (let i = 0; i < 10; i++) {
      assert.equal(await connState(page), "down", `#conn for a token ${what}`);
      assert.equal(await page.locator("#workspace").isVisible(), false, `no workspace for a token ${what}`);
      await page.waitForTimeout(100);
    }
  }
  await shot("refused");
  // Nothing refused was kept: a reload still asks for a token.
  await page.reload();
  await page.locator("#token").waitFor({ state: "visible" });
  await page.waitForTimeout(500);
  assert.equal(await connState(page), "down");
  assert.equal(await page.locator("#workspace").isVisible(), false);
});

pageTest(env, "the development sign-in is offered on loopback and signs in as dev", { timeout: 45000 }, async ({ page, server, shot }) => {
  await page.goto(server.url);
  const button = page.locator("#dev-signin");
  await button.waitFor({ state: "visible" });
  assert.equal((await button.textContent()).trim(), "Development sign-in");
  await shot("dev-offered");
  await button.click();
  await assertSignedIn(page, "dev");
  await page.reload();
  await assertSignedIn(page, "dev");
});

pageTest(env, "signing out forgets the token", { timeout: 45000 }, async ({ page, server, shot }) => {
  await signInWith(page, server, "carol");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.locator("#signin").waitFor({ state: "visible" });
  assert.equal(await connState(page), "down");
  await page.reload();
  await page.locator("#signin").waitFor({ state: "visible" });
  await page.waitForTimeout(500);
  assert.equal(await page.locator("#workspace").isVisible(), false);
  assert.equal(await connState(page), "down");
  await shot("signed-out");
});

async function signInWith(page, server, user) {
  await page.goto(server.url);
  await page.locator("#token").fill(await server.token(user));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await assertSignedIn(page, user);
}
