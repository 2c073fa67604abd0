// What play.mjs (hls.js), play_dash.mjs (dash.js) and play_shaka.mjs (Shaka Player) share: the
// command line, Chromium started by its PID and attached over CDP, the page's <video> with its
// event log and sampling loop, the wait for playback, and the summary JSON. A player script
// supplies only its library, a page function that creates the player, and its report fields.
//
// Common options: --url URL [--seconds 10] [--start-timeout 15] [--chromium /usr/bin/chromium]
//                 [--sample-ms 100] [--startups 1], plus the player's own.
//
// --startups N plays the URL N times, one after the other, each in a new page of the same
// Chromium (a viewer arriving, playing --seconds, leaving); the report is then
// {"startups": [report, ...]}.
//
// Exit status: 0 played; 1 a fatal player error; 2 the video never started; 3 anything else
// (bad arguments, Chromium did not start, the overall deadline passed). With --startups, the
// worst of the runs'. The JSON is printed in every case where the page could be read.
//
// Chromium is started here (not by Playwright) so that its PID is known: it runs in its own
// process group and that group is killed at the end, on every path, including a hard deadline
// timer and SIGTERM/SIGINT. Playwright attaches over CDP on a loopback port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const script = basename(process.argv[1] || 'play');

export function usage(msg) {
  process.stderr.write(`${script}: ${msg}\n`);
  process.exit(3);
}

// Parses the common options and `extra` (parseArgs option specs); exits with status 3 on bad
// values.
export function parseOptions(extra = {}) {
  const { values: opts } = parseArgs({
    options: {
      url: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      'start-timeout': { type: 'string', default: '15' },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
      'sample-ms': { type: 'string', default: '100' },
      startups: { type: 'string', default: '1' },
      ...extra,
    },
  });
  if (!opts.url) usage('--url is required');
  opts.playSeconds = Number(opts.seconds);
  opts.startTimeout = Number(opts['start-timeout']);
  opts.sampleMs = Number(opts['sample-ms']);
  opts.startups = Number(opts.startups);
  if (!(opts.playSeconds > 0) || !(opts.startTimeout > 0) || !(opts.sampleMs >= 20) ||
      !Number.isInteger(opts.startups) || opts.startups < 1 || opts.startups > 200) {
    usage('bad --seconds, --start-timeout, --sample-ms or --startups');
  }
  return opts;
}

// A JSON option's value, or exit with status 3.
export function jsonOption(opts, name) {
  try {
    return JSON.parse(opts[name]);
  } catch (e) {
    return usage(`--${name}: ${e.message}`);
  }
}

// Flags: headless, no sandbox (tests run as root), nothing that phones home (no background
// networking, sync, component updates, QUIC), autoplay without a gesture, and loopback only: every
// request not to loopback (127.0.0.0/8, localhost, [::1], which Chromium never proxies) goes to a
// proxy address where nothing listens, so neither it nor a DNS lookup leaves the machine.
// The page is about:blank (origin "null", not a secure context), so Chromium's Local Network
// Access checks would block its requests to the loopback server (a viewer's page on a public
// site reaching a public server meets no such check): they are off.
function chromiumArgs(userDataDir) {
  return [
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
}

// Runs in the page first: the <video>, its event log and window.__fm, which the player's setup
// function then fills in (supported, version, player hooks latency/target/collect/destroy).
function pageInit() {
  const now = () => performance.now() / 1000;
  const fm = {
    t0: now(),
    supported: !!(window.MediaSource || window.ManagedMediaSource),
    events: [],
    errors: [],
    samples: [],
    startedAt: null,
    firstPlayingAt: null,
    waitingSince: null,
    stalls: [],
    // Player hooks, set by the setup function.
    latency: () => null,
    target: () => null,
    collect: () => ({}),
    destroy: () => {},
  };
  window.__fm = fm;
  fm.rel = () => +(now() - fm.t0).toFixed(3);
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  document.body.appendChild(video);
  fm.video = video;
  for (const ev of ['waiting', 'playing', 'stalled', 'pause', 'ended', 'error', 'loadedmetadata']) {
    video.addEventListener(ev, () => {
      const t = fm.rel();
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
}

// Runs in the page after the player's setup: samples currentTime, buffer and the player's latency.
function pageSample({ sampleMs }) {
  const fm = window.__fm;
  const video = fm.video;
  const num = (f) => {
    try {
      const x = f();
      return Number.isFinite(x) && x > 0 ? +x.toFixed(3) : null;
    } catch {
      return null; // not available before the first manifest
    }
  };
  fm.timer = setInterval(() => {
    const t = fm.rel();
    const b = video.buffered;
    fm.samples.push({
      t,
      ct: +video.currentTime.toFixed(3),
      paused: video.paused,
      rs: video.readyState,
      bufEnd: b.length ? +b.end(b.length - 1).toFixed(3) : null,
      latency: num(fm.latency),
      target: num(fm.target),
    });
    // Started: currentTime moved between two samples while playing (a player may seek over a
    // small hole at the start, which moves currentTime once without playback).
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
  let extra = {};
  let targetLatency = null;
  try {
    extra = fm.collect() || {};
    targetLatency = fm.target();
  } catch (e) {
    extra = { collectError: String(e) };
  }
  const out = {
    supported: fm.supported,
    events: fm.events,
    errors: fm.errors,
    samples: fm.samples,
    startedAt: fm.startedAt,
    firstPlayingAt: fm.firstPlayingAt,
    stalls: fm.stalls.slice(),
    waitingSince: fm.waitingSince,
    end: performance.now() / 1000 - fm.t0,
    videoWidth: v.videoWidth,
    videoHeight: v.videoHeight,
    targetLatency: Number.isFinite(targetLatency) ? targetLatency : null,
    mediaError: v.error ? { code: v.error.code, message: v.error.message } : null,
    extra,
  };
  try {
    fm.destroy();
  } catch {
    // the page is closed next anyway
  }
  return out;
}

function quantile(sorted, q) {
  if (!sorted.length) return null;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return +(sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo)).toFixed(3);
}

// Turns the page's raw record into the report: the common fields, then the player's own
// (`fields(raw)`, where raw.extra is what its collect hook returned).
function summarize(raw, opts, consoleLines, fields) {
  const started = raw.startedAt;
  const after = started === null ? [] : raw.samples.filter((s) => s.t >= started);
  const first = after[0];
  const last = after[after.length - 1];
  // Stall by events: 'waiting' until the next 'playing', once playback had started; one still
  // open at the end counts up to the end.
  const eventStalls = raw.stalls.map(([a, b]) => b - a);
  if (raw.waitingSince !== null) eventStalls.push(raw.end - raw.waitingSince);
  // Stall by position: the longest run of samples where currentTime did not advance while the
  // video was not paused, after playback started.
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
    ...fields(raw),
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
    media_error: raw.mediaError,
    console: consoleLines,
    events: raw.events,
    // currentTime once a second, enough to see how playback went without the full sample list.
    current_time_samples: raw.samples.filter((_, i) => i % Math.max(1, Math.round(1000 / opts.sampleMs)) === 0)
      .map((s) => [s.t, s.ct]),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Plays opts.url and exits with the report. The player supplies:
//   name:      for messages ("hls.js")
//   scripts:   paths of the library files to load into the page
//   setup:     a function run in the page with `setupArg`; it reads window.__fm, creates the
//              player and sets fm.supported/latency/target/collect/destroy and pushes
//              {t, fatal, ...} into fm.errors
//   fields:    (raw) => the report's player-specific fields
export async function runPlayer(opts, { name, scripts, setup, setupArg, fields }) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'firstmile-chromium-'));
  let child = null;
  let cleanedUp = false;
  let finishing = false;

  // Kills what is left of Chromium's process group (renderer, GPU and zygote processes may
  // outlive the browser process by a moment).
  const killChromium = () => {
    if (!child || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  const cleanup = () => {
    if (cleanedUp) return;
    cleanedUp = true;
    killChromium();
    try {
      rmSync(userDataDir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  };
  // Ends Chromium by its PID: SIGTERM to the browser process, which then ends and reaps its
  // renderer and GPU processes; after 3 s whatever is left of its process group is killed.
  const stopChromium = () => {
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
  };
  const finish = async (result, code) => {
    if (finishing) return;
    finishing = true;
    // Written in full before exiting (a long report outgrows the pipe's buffer).
    if (result) await new Promise((done) => process.stdout.write(JSON.stringify(result) + '\n', done));
    await stopChromium();
    cleanup();
    process.exit(code);
  };

  process.on('SIGTERM', () => finish(null, 3));
  process.on('SIGINT', () => finish(null, 3));
  process.on('exit', cleanup);

  // Hard deadline for the whole run: start, play, collect, with a margin.
  const deadline = setTimeout(() => {
    process.stderr.write(`${script}: overall deadline passed\n`);
    finish({ error: 'deadline' }, 3);
  }, ((opts.startTimeout + opts.playSeconds + 5) * opts.startups + 15) * 1000);
  deadline.unref();

  const startChromium = () => new Promise((resolve, reject) => {
    child = spawn(opts.chromium, chromiumArgs(userDataDir), { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
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

  // One viewer: a new page, the player, the wait for playback, --seconds of it, the report.
  const playOnce = async (context) => {
    const page = await context.newPage();
    const lines = [];
    // Console errors and failed requests explain most network errors players report.
    page.on('console', (m) => {
      if (['error', 'warning'].includes(m.type()) && lines.length < 50) lines.push(m.text().slice(0, 500));
    });
    page.on('requestfailed', (r) => {
      if (lines.length < 50) lines.push(`request failed: ${r.url()}: ${r.failure()?.errorText}`);
    });
    try {
      await page.goto('about:blank');
      for (const path of scripts) await page.addScriptTag({ path });
      await page.evaluate(pageInit);
      await page.evaluate(setup, setupArg);
      await page.evaluate(pageSample, { sampleMs: opts.sampleMs });

      // Wait for playback to start (currentTime moving), a fatal error, or the start timeout.
      let state = await page.evaluate(pageState);
      if (!state.supported) {
        return [{ url: opts.url, started: false, error: `${name} reports MSE unsupported` }, 2];
      }
      while (state.startedAt === null && !state.fatal && state.now < opts.startTimeout) {
        await sleep(100);
        state = await page.evaluate(pageState);
      }
      if (state.startedAt !== null && !state.fatal) {
        // Play for the requested time, leaving early on a fatal error.
        const until = Date.now() + opts.playSeconds * 1000;
        while (Date.now() < until) {
          await sleep(Math.min(250, until - Date.now()));
          state = await page.evaluate(pageState);
          if (state.fatal) break;
        }
      }
      const result = summarize(await page.evaluate(pageCollect), opts, lines, fields);
      return [result, result.fatal_errors > 0 ? 1 : result.started ? 0 : 2];
    } finally {
      await page.close().catch(() => {});
    }
  };

  try {
    const wsEndpoint = await startChromium();
    const browser = await chromium.connectOverCDP(wsEndpoint, { timeout: 15000 });
    const context = browser.contexts()[0] || (await browser.newContext());
    if (opts.startups === 1) {
      const [result, code] = await playOnce(context);
      await browser.close().catch(() => {});
      await finish(result, code);
      return;
    }
    const runs = [];
    let worst = 0;
    for (let i = 0; i < opts.startups; i++) {
      const [result, code] = await playOnce(context);
      // The long lists stay out (N of them would make a report of megabytes), but for a run
      // that stalled or failed: its trace says why.
      if (code === 0 && !result.stall_count) delete result.trace;
      delete result.current_time_samples;
      runs.push(result);
      worst = Math.max(worst, code);
    }
    await browser.close().catch(() => {});
    await finish({ url: opts.url, startups: runs }, worst);
  } catch (e) {
    process.stderr.write(`${script}: ${e.stack || e}\n`);
    await finish({ url: opts.url, error: String(e.message || e) }, 3);
  }
}
