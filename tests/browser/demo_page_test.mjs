// The demo page of `teleport serve --web` in headless Chromium: the page connects over WebSocket,
// calls /math/add from its form, gets the server's pushes, answers the server's call, reports
// errors as eRPC statuses, reconnects after the server restarts, and measures its round trip.
// Exits non-zero on the first failure; prints the figures it measured.
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    teleport: { type: "string" },
    "web-root": { type: "string" },
    npm: { type: "string" },
    artifacts: { type: "string" },
  },
});
const require = createRequire(path.resolve(args.npm, "package.json"));
const { chromium } = require("playwright-core");

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

// Starts `teleport serve --web` and resolves with its process and port.
function serve(listen) {
  const child = spawn(args.teleport, ["serve", "--listen", listen, "--web", "--web-root", args["web-root"]], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 10_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/\(port (\d+)\)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

const stopped = (child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on("exit", resolve)));

let server = await serve("127.0.0.1:0");
const base = `http://127.0.0.1:${server.port}`;
let browser;
try {
  // Playwright gives Chromium a new temporary profile; the flags keep it off the network.
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  const consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  await page.goto(`${base}/`);
  await page.waitForSelector("#state.open", { timeout: 10_000 });
  check(true, "the page connected to ws://…/ws on the port that served it");

  await page.fill("#numbers", "4, 5, 6");
  await page.click("#add-button");
  await page.waitForFunction(() => document.querySelector("#sum").value === "15", null, { timeout: 5_000 });
  const latency = await page.$eval("#latency", (o) => o.value);
  check(/ms$/.test(latency), `the form's call summed 4+5+6 = 15 (round trip ${latency})`);

  await page.waitForFunction(() => Number(document.querySelector("#ticks").value) >= 2, null, { timeout: 5_000 });
  check(true, "two /feed/tick pushes from the server arrived");

  await page.fill("#text", "hello, teleport");
  await page.click("#say-button");
  await page.waitForFunction(
    () => [...document.querySelectorAll("#feed li")].some((li) => li.textContent.endsWith("hello, teleport → HELLO, TELEPORT")),
    null, { timeout: 5_000 });
  check(true, "a push to the server came back as a push to the page, after the server called the page's /page/upper");

  const notFound = await page.evaluate(async () => {
    const r = await window.teleportDemo.client.call("/no/such/route", 1);
    return { code: r.status.code, msg: r.status.msg, cause: r.status.cause, body: r.body };
  });
  check(notFound.code === 404 && notFound.msg === "Not Found" && notFound.body === undefined,
    `an unknown route is a status {code: 404, msg: "Not Found", cause: "${notFound.cause}"}`);

  const badArg = await page.evaluate(async () => (await window.teleportDemo.client.call("/math/add", "not a list")).status.code);
  check(badArg === 400, "an argument the handler cannot decode is a 400 status");

  const rtt = await page.evaluate(() => window.teleportDemo.measure(200));
  check(rtt.failed === 0, `200 sequential calls from the page: p50 ${rtt.p50.toFixed(3)} ms, p99 ${rtt.p99.toFixed(3)} ms`);

  // The tool speaks to the same WebSocket endpoint.
  const sum = execFileSync(args.teleport, ["call", `ws://127.0.0.1:${server.port}/ws`, "/math/add", "[1,2,3]"]).toString().trim();
  check(sum === "6", "teleport call ws://127.0.0.1:PORT/ws /math/add '[1,2,3]' prints 6");

  // The server goes away and comes back on the same port: the page reconnects by itself.
  server.child.kill("SIGKILL");
  await stopped(server.child);
  await page.waitForFunction(() => !document.querySelector("#state").classList.contains("open"), null, { timeout: 5_000 });
  const whileDown = await page.evaluate(async () => (await window.teleportDemo.client.call("/math/add", [1], { timeout: 300 })).status.code);
  check(whileDown === 408, "a call while the server is down waits for the reconnection and ends at its timeout (408)");
  server = await serve(`127.0.0.1:${server.port}`);
  await page.waitForSelector("#state.open", { timeout: 10_000 });
  await page.fill("#numbers", "20 22");
  await page.click("#add-button");
  await page.waitForFunction(() => document.querySelector("#sum").value === "42", null, { timeout: 5_000 });
  check(true, "after the server restarted, the page reconnected and called again (20+22 = 42)");

  await page.waitForFunction(() => Number(document.querySelector("#ticks").value) >= 1, null, { timeout: 5_000 });
  mkdirSync(args.artifacts, { recursive: true });
  const shot = path.join(args.artifacts, "browser-demo.png");
  await page.screenshot({ path: shot, fullPage: true });
  check(consoleErrors.every((e) => /WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)),
    `no script errors on the page (${consoleErrors.length} connection messages while the server was down)`);
  console.log(`screenshot: ${shot}`);
} finally {
  await browser?.close();
  server.child.kill("SIGTERM");
  await stopped(server.child);
}
