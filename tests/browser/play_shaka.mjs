#!/usr/bin/env node
// Plays an MPEG-DASH MPD with Shaka Player in the system's headless Chromium and prints one JSON
// object describing what a viewer saw: how far currentTime advanced, stalls, Shaka errors, the
// live latency (getStats().liveLatency: wall clock minus the playhead's wall-clock time), the
// distance to the seek range's end, variant and codecs. Chromium, the page, the sampling and the
// report's common fields are player_common.mjs's.
//
// Usage: node play_shaka.mjs --url URL [--seconds 10] [--start-timeout 15]
//                            [--shaka-config JSON] [--chromium /usr/bin/chromium] [--sample-ms 100]
//
// Exit status: 0 played; 1 a critical Shaka error; 2 the video never started; 3 anything else.
import { createRequire } from 'node:module';
import { jsonOption, parseOptions, runPlayer } from './player_common.mjs';

const require = createRequire(import.meta.url);

const opts = parseOptions({ 'shaka-config': { type: 'string', default: '{}' } });
// Low-latency mode: chunked segment fetches (the open segment streams in as it is made) and the
// MPD's ServiceDescription latency target.
const shakaConfig = { streaming: { lowLatencyMode: true }, ...jsonOption(opts, 'shaka-config') };

// Runs in the page: creates the Shaka player on window.__fm's <video>.
function setup({ url, shakaConfig, sampleMs }) {
  const fm = window.__fm;
  shaka.polyfill.installAll();
  fm.supported = shaka.Player.isBrowserSupported();
  fm.shakaVersion = shaka.Player.version;
  fm.edgeLatency = [];
  if (!fm.supported) return;

  const player = new shaka.Player();
  player.configure(shakaConfig);
  // Severity CRITICAL (2) is what Shaka could not recover from; RECOVERABLE ones it retried.
  player.addEventListener('error', (e) => {
    const d = e.detail || {};
    fm.errors.push({ t: fm.rel(), fatal: d.severity === 2, code: d.code ?? null, category: d.category ?? null,
      message: String(d.message || d.data?.[0] || '') });
  });
  const num = (x) => (Number.isFinite(x) ? +x.toFixed(3) : null);
  // The distance to the live edge as Shaka's live sync sees it: the seek range's end (the newest
  // available media time, availabilityTimeOffset included) minus the playhead.
  fm.edgeTimer = setInterval(() => {
    if (!player.isLive() || fm.startedAt === null) return;
    const r = player.seekRange();
    const d = r.end - fm.video.currentTime;
    if (Number.isFinite(d)) fm.edgeLatency.push(+d.toFixed(3));
  }, sampleMs);
  fm.latency = () => player.getStats().liveLatency;
  fm.target = () => {
    const sd = player.getManifest()?.serviceDescription;
    return sd && sd.targetLatency != null ? sd.targetLatency : player.getConfiguration().streaming.liveSync.targetLatency;
  };
  fm.collect = () => {
    clearInterval(fm.edgeTimer);
    const stats = player.getStats();
    const variant = player.getVariantTracks().find((t) => t.active) || null;
    return {
      shakaVersion: fm.shakaVersion,
      live: player.isLive(),
      lowLatency: player.getConfiguration().streaming.lowLatencyMode,
      variant: variant ? { width: variant.width, height: variant.height, videoCodec: variant.videoCodec,
        audioCodec: variant.audioCodec, bandwidth: variant.bandwidth } : null,
      stats: { liveLatency: num(stats.liveLatency), bufferingTime: num(stats.bufferingTime),
        stallsDetected: stats.stallsDetected, gapsJumped: stats.gapsJumped, bytesDownloaded: stats.bytesDownloaded,
        maxSegmentDuration: num(stats.maxSegmentDuration) },
      edgeLatency: fm.edgeLatency.slice().sort((a, b) => a - b),
    };
  };
  fm.destroy = () => player.destroy();

  player.attach(fm.video)
    .then(() => player.load(url))
    .catch((e) => fm.errors.push({ t: fm.rel(), fatal: true, code: e.code ?? null, category: e.category ?? null,
      message: 'load: ' + String(e.message || e.data?.[0] || e) }));
}

function median(sorted) {
  if (!sorted || !sorted.length) return null;
  const m = (sorted.length - 1) / 2;
  return +((sorted[Math.floor(m)] + sorted[Math.ceil(m)]) / 2).toFixed(3);
}

await runPlayer(opts, {
  name: 'Shaka Player',
  scripts: [require.resolve('shaka-player/dist/shaka-player.compiled.js')],
  setup,
  setupArg: { url: opts.url, shakaConfig, sampleMs: opts.sampleMs },
  fields: (raw) => ({
    shaka_version: raw.extra.shakaVersion ?? null,
    dynamic: raw.extra.live ?? null,
    low_latency_mode: raw.extra.lowLatency ?? null,
    variant: raw.extra.variant ?? null,
    shaka_stats: raw.extra.stats ?? null,
    edge_latency_median: median(raw.extra.edgeLatency),
  }),
});
