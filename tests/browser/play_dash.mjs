#!/usr/bin/env node
// Plays an MPEG-DASH MPD with dash.js in the system's headless Chromium and prints one JSON
// object describing what a viewer saw: how far currentTime advanced, stalls, dash.js errors,
// the live latency (player.getCurrentLiveLatency()), tracks and codecs, segments loaded.
// Chromium, the page, the sampling and the report's common fields are player_common.mjs's.
//
// Usage: node play_dash.mjs --url URL [--seconds 10] [--start-timeout 15]
//                           [--dash-settings JSON] [--chromium /usr/bin/chromium] [--sample-ms 100]
//
// Exit status: 0 played; 1 a dash.js error; 2 the video never started; 3 anything else.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonOption, parseOptions, runPlayer } from './player_common.mjs';

// dashjs's package exports do not name its UMD build: load it by path.
const dashScript = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', 'dashjs', 'dist', 'modern', 'umd',
  'dash.all.min.js');

const opts = parseOptions({ 'dash-settings': { type: 'string', default: '{}' } });
const dashSettings = jsonOption(opts, 'dash-settings');

// Runs in the page: creates the dash.js player on window.__fm's <video>.
function setup({ url, dashSettings }) {
  const fm = window.__fm;
  fm.segments = { video: 0, audio: 0 };
  fm.tracks = [];
  fm.dynamic = null;
  if (!fm.supported) return;

  const player = dashjs.MediaPlayer().create();
  fm.dashVersion = player.getVersion();
  if (dashSettings && Object.keys(dashSettings).length) player.updateSettings(dashSettings);
  const events = dashjs.MediaPlayer.events;
  // dash.js reports through ERROR what it could not recover from (retries are silent).
  player.on(events.ERROR, (e) => {
    const err = e.error || {};
    fm.errors.push({ t: fm.rel(), fatal: true, code: err.code ?? null, message: String(err.message || e.type || '') });
  });
  player.on(events.PLAYBACK_ERROR, (e) => {
    fm.errors.push({ t: fm.rel(), fatal: true, code: null, message: 'playback error: ' + String(e.error?.message || e.error || '') });
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
  fm.latency = () => player.getCurrentLiveLatency();
  fm.target = () => player.getTargetLiveDelay();
  fm.collect = () => ({
    dashVersion: fm.dashVersion,
    segments: fm.segments,
    tracks: fm.tracks,
    dynamic: fm.dynamic,
    lowLatency: player.getLowLatencyModeEnabled(),
  });
  fm.destroy = () => player.destroy();

  player.initialize(fm.video, url, true);
}

await runPlayer(opts, {
  name: 'dash.js',
  scripts: [dashScript],
  setup,
  setupArg: { url: opts.url, dashSettings },
  fields: (raw) => ({
    dash_version: raw.extra.dashVersion ?? null,
    dynamic: raw.extra.dynamic ?? null,
    low_latency_mode: raw.extra.lowLatency ?? null,
    tracks: raw.extra.tracks ?? [],
    segments_loaded: raw.extra.segments ?? { video: 0, audio: 0 },
  }),
});
