// The demo page served by `teleport serve --web`: a form calling /math/add, pushes both ways,
// a call from the server answered here, and the round trip as the page measures it.
import { Client, Status } from "../src/teleport.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
const state = $<HTMLSpanElement>("state");
const client = new Client(wsUrl, {
  onState: (open, why) => {
    state.textContent = open ? "connected" : `reconnecting (${why.cause})`;
    state.classList.toggle("open", open);
  },
});

// The server asks this page to upper-case what it pushed (a call from server to browser).
client.route("/page/upper", (text) => String(text).toUpperCase());

let ticks = 0;
client.route("/feed/tick", (tick) => {
  const t = tick as { n: number; sessions: number };
  $<HTMLOutputElement>("ticks").value = String(++ticks);
  $<HTMLOutputElement>("tick").value = `#${t.n}, ${t.sessions} session(s)`;
});
client.route("/feed/said", (said) => {
  const s = said as { from: string; text: string; upper: string };
  const li = document.createElement("li");
  li.textContent = `${s.from}: ${s.text} → ${s.upper}`;
  $<HTMLOListElement>("feed").prepend(li);
});

function numbers(): number[] {
  return $<HTMLInputElement>("numbers")
    .value.split(/[\s,]+/)
    .filter((x) => x !== "")
    .map(Number);
}

$<HTMLFormElement>("add").addEventListener("submit", async (e) => {
  e.preventDefault();
  const started = performance.now();
  const reply = await client.call<number>("/math/add", numbers(), { meta: { author: "browser" } });
  const ms = performance.now() - started;
  $<HTMLOutputElement>("latency").value = `${ms.toFixed(2)} ms`;
  $<HTMLOutputElement>("sum").value = reply.status.ok ? String(reply.body) : "–";
  $<HTMLSpanElement>("add-status").textContent = reply.status.ok ? "" : reply.status.toString();
});

$<HTMLFormElement>("say").addEventListener("submit", (e) => {
  e.preventDefault();
  const st: Status = client.push("/feed/say", $<HTMLInputElement>("text").value);
  if (!st.ok) $<HTMLSpanElement>("add-status").textContent = st.toString();
});

// Sequential calls, as a user clicking would make them: the round trip the page sees.
async function measure(n = 50): Promise<{ p50: number; p99: number; failed: number }> {
  const times: number[] = [];
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const reply = await client.call("/math/add", [i, 1]);
    times.push(performance.now() - started);
    if (!reply.status.ok) failed++;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const result = { p50: at(0.5), p99: at(0.99), failed };
  $<HTMLOutputElement>("latency-n").value = String(n);
  $<HTMLOutputElement>("latency-p50").value = `${result.p50.toFixed(2)} ms`;
  $<HTMLOutputElement>("latency-p99").value = `${result.p99.toFixed(2)} ms`;
  return result;
}
$<HTMLButtonElement>("measure").addEventListener("click", () => void measure());

// For tests and the curious: the client and the measurement, from the console.
Object.assign(window, { teleportDemo: { client, measure } });
