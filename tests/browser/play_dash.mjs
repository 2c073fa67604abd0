#!/usr/bin/env node
// Plays an MPEG-DASH MPD with dash.js in the system's headless Chromium and prints one JSON
// object describing what a viewer saw: how far currentTime advanced, stalls, dash.js errors,
// the live latency (player.getCurrentLiveLatency()), tracks and codecs, segments loaded.
// The same structure and report fields as play.mjs (hls.js).
//
// Usage: node play_dash.mjs --url URL [--seconds 10] [--start-timeout 15]
//                           [--dash-settings JSON] [--chromium /usr/bin/chromium] [--sample-ms 100]
//
// Exit status: 0 played; 1 a dash.js error; 2 the video never started; 3 anything else
// (bad arguments, Chromium did not start, the overall deadline passed). The JSON is printed in
// every case where the page could be read.
//
// Chromium is started by this script (not by Playwright) so that its PID is known: it runs in
// its own process group and that group is killed at the end, on every path, including a hard
// deadline timer and SIGTERM/SIGINT. Playwright attaches over CDP on a loopback port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

// dashjs's package exports do not name its UMD build: load it by path.
const dashScript = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', 'dashjs', 'dist', 'modern', 'umd',
  'dash.all.min.js');

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    'start-timeout': { type: 'string', default: '15' },
    'dash-settings': { type: 'string', default: '{}' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    'sample-ms': { type: 'string', default: '100' },
  },
});

function usage(msg) {
  process.stderr.write(`play.mjs: ${msg}\n`);
  process.exit(3);
}

if (!opts.url) usage('--url is required');
const playSeconds = Number(opts.seconds);
const startTimeout = Number(opts['start-timeout']);
const sampleMs = Number(opts['sample-ms']);
if (!(playSeconds > 0) || !(startTimeout > 0) || !(sampleMs >= 20)) usage('bad --seconds, --start-timeout or --sample-ms');
let dashSettings;
try {
  dashSettings = JSON.parse(opts['dash-settings']);
} catch (e) {
  usage(`--dash-settings: ${e.message}`);
}

// Flags: headless, no sandbox (tests run as root), nothing that phones home (no background
// networking, sync, component updates, QUIC), autoplay without a gesture, and loopback only: every
// request not to loopback (127.0.0.0/8, localhost, [::1], which Chromium never proxies) goes to a
// proxy address where nothing listens, so neither it nor a DNS lookup leaves the machine.
// The page is about:blank (origin "null", not a secure context), so Chromium's Local Network
// Access checks would block its requests to the loopback server (a viewer's page on a public
// site reaching a public server meets no such check): they are off.
const userDataDir = mkdtempSync(join(tmpdir(), 'firstmile-chromium-'));
const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-breakpad',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-features=LocalNetworkAccessChecks,Translate,OptimizationHints,MediaRouter,' +
    'DialMediaRouteProvider,AutofillServerCommunication',
  '--metrics-recording-only',
  '--mute-audio',
  '--autoplay-policy=no-user-gesture-required',
  '--proxy-server=127.0.0.1:9',
  '--proxy-bypass-list=127.0.0.1;localhost;[::1]',
  '--remote-debugging-address=127.0.0.1',
  '--remote-debugging-port=0',
  `--user-data-dir=${userDataDir}`,
  'about:blank',
];

let child = null;
const consoleLines = [];
let browser = null;
let cleanedUp = false;

// Kills what is left of Chromium's process group (renderer, GPU and zygote processes may outlive
// the browser process by a moment).
function killChromium() {
  if (!child || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  killChromium();
  try {
    rmSync(userDataDir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

// Ends Chromium by its PID: SIGTERM to the browser process, which then ends and reaps its
// renderer and GPU processes; after 3 s whatever is left of its process group is killed.
function stopChromium() {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      child.kill('SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

let finishing = false;
async function finish(result, code) {
  if (finishing) return;
  finishing = true;
  if (result) process.stdout.write(JSON.stringify(result) + '\n');
  await stopChromium();
  cleanup();
  process.exit(code);
}

process.on('SIGTERM', () => finish(null, 3));
process.on('SIGINT', () => finish(null, 3));
process.on('exit', cleanup);

// Hard deadline for the whole run: start, play, collect, with a margin.
const deadline = setTimeout(() => {
  process.stderr.write('play.mjs: overall deadline passed\n');
  finish({ error: 'deadline' }, 3);
}, (startTimeout + playSeconds + 20) * 1000);
deadline.unref();

function startChromium() {
  return new Promise((resolve, reject) => {
    child = spawn(opts.chromium, chromiumArgs, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`no DevTools endpoint within 15 s: ${stderr.slice(-2000)}`)), 15000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited (${code ?? sig}): ${stderr.slice(-2000)}`));
    });
    child.stderr.on('data', (d) => {
      stderr += d.toString();
      const m = stderr.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
      if (stderr.length > 100000) stderr = stderr.slice(-10000);
    });
  });
}

// Runs in the page: creates the <video> and the dash.js player, records events and samples into
// window.__fm.
function pageStart({ url, dashSettings, sampleMs }) {
  const now = () => performance.now() / 1000;
  const fm = {
    t0: now(),
    supported: !!(window.MediaSource || window.ManagedMediaSource),
    dashVersion: null,
    events: [],
    errors: [],
    samples: [],
    segments: { video: 0, audio: 0 },
    tracks: [],
    dynamic: null,
    startedAt: null,
    firstPlayingAt: null,
    waitingSince: null,
    stalls: [],
  };
  window.__fm = fm;
  const rel = () => +(now() - fm.t0).toFixed(3);
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  document.body.appendChild(video);
  fm.video = video;
  if (!fm.supported) return;

  for (const ev of ['waiting', 'playing', 'stalled', 'pause', 'ended', 'error', 'loadedmetadata']) {
    video.addEventListener(ev, () => {
      const t = rel();
      fm.events.push([ev, t]);
      if (ev === 'playing') {
        if (fm.firstPlayingAt === null) fm.firstPlayingAt = t;
        if (fm.waitingSince !== null) {
          fm.stalls.push([fm.waitingSince, t]);
          fm.waitingSince = null;
        }
      } else if (ev === 'waiting' && fm.firstPlayingAt !== null && fm.waitingSince === null) {
        fm.waitingSince = t;
      }
    });
  }

  const player = dashjs.MediaPlayer().create();
  fm.player = player;
  fm.dashVersion = player.getVersion();
  if (dashSettings && Object.keys(dashSettings).length) player.updateSettings(dashSettings);
  const events = dashjs.MediaPlayer.events;
  // dash.js reports through ERROR what it could not recover from (retries are silent).
  player.on(events.ERROR, (e) => {
    const err = e.error || {};
    fm.errors.push({ t: rel(), fatal: true, code: err.code ?? null, message: String(err.message || e.type || '') });
  });
  player.on(events.PLAYBACK_ERROR, (e) => {
    fm.errors.push({ t: rel(), fatal: true, code: null, message: 'playback error: ' + String(e.error?.message || e.error || '') });
  });
  player.on(events.FRAGMENT_LOADING_COMPLETED, (e) => {
    const r = e.request || {};
    if (r.type === 'MediaSegment' && (r.mediaType === 'video' || r.mediaType === 'audio')) fm.segments[r.mediaType]++;
  });
  player.on(events.STREAM_INITIALIZED, () => {
    fm.dynamic = player.isDynamic();
    fm.tracks = ['video', 'audio'].map((type) => {
      const t = player.getCurrentTrackFor(type);
      return t ? { type, codec: t.codec || null, mimeType: t.mimeType || null } : null;
    }).filter(Boolean);
  });

  player.initialize(video, url, true);

  fm.timer = setInterval(() => {
    const t = rel();
    let latency = null;
    let target = null;
    try {
      latency = player.getCurrentLiveLatency();
      target = player.getTargetLiveDelay();
    } catch {
      // not available before the first MPD
    }
    const b = video.buffered;
    fm.samples.push({
      t,
      ct: +video.currentTime.toFixed(3),
      paused: video.paused,
      rs: video.readyState,
      bufEnd: b.length ? +b.end(b.length - 1).toFixed(3) : null,
      latency: Number.isFinite(latency) && latency > 0 ? +latency.toFixed(3) : null,
      target: Number.isFinite(target) && target > 0 ? +target.toFixed(3) : null,
    });
    // Started: currentTime moved between two samples while playing.
    if (fm.startedAt === null && fm.lastCt !== undefined && video.currentTime > fm.lastCt && !video.paused && fm.firstPlayingAt !== null) {
      fm.startedAt = t;
    }
    fm.lastCt = video.currentTime;
  }, sampleMs);
}

function pageState() {
  const fm = window.__fm;
  return {
    startedAt: fm.startedAt,
    fatal: fm.errors.some((e) => e.fatal),
    supported: fm.supported,
    now: performance.now() / 1000 - fm.t0,
  };
}

function pageCollect() {
  const fm = window.__fm;
  clearInterval(fm.timer);
  const v = fm.video;
  const out = {
    dashVersion: fm.dashVersion,
    supported: fm.supported,
    events: fm.events,
    errors: fm.errors,
    samples: fm.samples,
    segments: fm.segments,
    tracks: fm.tracks,
    dynamic: fm.dynamic,
    startedAt: fm.startedAt,
    firstPlayingAt: fm.firstPlayingAt,
    stalls: fm.stalls.slice(),
    waitingSince: fm.waitingSince,
    end: performance.now() / 1000 - fm.t0,
    videoWidth: v.videoWidth,
    videoHeight: v.videoHeight,
    targetLatency: null,
    lowLatency: null,
    mediaError: v.error ? { code: v.error.code, message: v.error.message } : null,
  };
  try {
    out.targetLatency = fm.player ? fm.player.getTargetLiveDelay() : null;
    out.lowLatency = fm.player ? fm.player.getLowLatencyModeEnabled() : null;
  } catch {
    // leave null
  }
  if (fm.player) fm.player.destroy();
  return out;
}

function quantile(sorted, q) {
  if (!sorted.length) return null;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return +(sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo)).toFixed(3);
}

// Turns the page's raw record into the report (the fields of play.mjs's where they apply).
function summarize(raw) {
  const started = raw.startedAt;
  const after = started === null ? [] : raw.samples.filter((s) => s.t >= started);
  const first = after[0];
  const last = after[after.length - 1];
  const eventStalls = raw.stalls.map(([a, b]) => b - a);
  if (raw.waitingSince !== null) eventStalls.push(raw.end - raw.waitingSince);
  let longestFrozen = 0;
  let frozenSince = null;
  for (let i = 1; i < after.length; i++) {
    const prev = after[i - 1];
    const cur = after[i];
    if (!cur.paused && cur.ct <= prev.ct) {
      if (frozenSince === null) frozenSince = prev.t;
      longestFrozen = Math.max(longestFrozen, cur.t - frozenSince);
    } else {
      frozenSince = null;
    }
  }
  const latencies = after.map((s) => s.latency).filter((x) => x !== null).sort((a, b) => a - b);
  return {
    url: opts.url,
    dash_version: raw.dashVersion,
    dynamic: raw.dynamic,
    low_latency_mode: raw.lowLatency,
    started: started !== null,
    start_seconds: started,
    played_seconds: first && last ? +(last.t - first.t).toFixed(3) : 0,
    current_time_first: first ? first.ct : null,
    current_time_last: last ? last.ct : null,
    current_time_advanced: first && last ? +(last.ct - first.ct).toFixed(3) : 0,
    longest_stall_events: +Math.max(0, ...eventStalls).toFixed(3),
    longest_stall_frozen: +longestFrozen.toFixed(3),
    stall_count: eventStalls.length,
    errors: raw.errors,
    fatal_errors: raw.errors.filter((e) => e.fatal).length,
    latency: {
      samples: latencies.length,
      median: quantile(latencies, 0.5),
      p90: quantile(latencies, 0.9),
      min: latencies.length ? latencies[0] : null,
      max: latencies.length ? latencies[latencies.length - 1] : null,
    },
    target_latency: raw.targetLatency,
    video_width: raw.videoWidth,
    video_height: raw.videoHeight,
    tracks: raw.tracks,
    segments_loaded: raw.segments,
    media_error: raw.mediaError,
    console: consoleLines,
    events: raw.events,
    current_time_samples: raw.samples.filter((_, i) => i % Math.max(1, Math.round(1000 / sampleMs)) === 0)
      .map((s) => [s.t, s.ct]),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const wsEndpoint = await startChromium();
  browser = await chromium.connectOverCDP(wsEndpoint, { timeout: 15000 });
  const context = browser.contexts()[0] || (await browser.newContext());
  const page = context.pages()[0] || (await context.newPage());
  // Console errors and failed requests explain most network errors dash.js reports.
  page.on('console', (m) => {
    if (['error', 'warning'].includes(m.type()) && consoleLines.length < 50) consoleLines.push(m.text().slice(0, 500));
  });
  page.on('requestfailed', (r) => {
    if (consoleLines.length < 50) consoleLines.push(`request failed: ${r.url()}: ${r.failure()?.errorText}`);
  });
  await page.goto('about:blank');
  await page.addScriptTag({ path: dashScript });
  await page.evaluate(pageStart, { url: opts.url, dashSettings, sampleMs });

  // Wait for playback to start (currentTime moving), a fatal error, or the start timeout.
  let state = await page.evaluate(pageState);
  if (!state.supported) {
    await finish({ url: opts.url, started: false, error: 'MSE unsupported' }, 2);
    return;
  }
  while (state.startedAt === null && !state.fatal && state.now < startTimeout) {
    await sleep(100);
    state = await page.evaluate(pageState);
  }
  if (state.startedAt !== null && !state.fatal) {
    // Play for the requested time, leaving early on a fatal error.
    const until = Date.now() + playSeconds * 1000;
    while (Date.now() < until) {
      await sleep(Math.min(250, until - Date.now()));
      state = await page.evaluate(pageState);
      if (state.fatal) break;
    }
  }
  const result = summarize(await page.evaluate(pageCollect));
  await browser.close().catch(() => {});
  await finish(result, result.fatal_errors > 0 ? 1 : result.started ? 0 : 2);
}

main().catch((e) => {
  process.stderr.write(`play.mjs: ${e.stack || e}\n`);
  finish({ url: opts.url, error: String(e.message || e) }, 3);
});
