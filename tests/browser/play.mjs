#!/usr/bin/env node
// Plays an HLS playlist with hls.js in the system's headless Chromium and prints one JSON
// object describing what a viewer saw: how far currentTime advanced, stalls, hls.js errors,
// hls.latency, level and codec, fragments and parts loaded. Chromium, the page, the sampling
// and the report's common fields are player_common.mjs's.
//
// Usage: node play.mjs --url URL [--seconds 10] [--low-latency on|off] [--start-timeout 15]
//                      [--hls-config JSON] [--chromium /usr/bin/chromium] [--sample-ms 100]
//
// Exit status: 0 played; 1 a fatal hls.js error; 2 the video never started; 3 anything else.
import { createRequire } from 'node:module';
import { jsonOption, parseOptions, runPlayer, usage } from './player_common.mjs';

const require = createRequire(import.meta.url);

const opts = parseOptions({
  'low-latency': { type: 'string', default: 'off' },
  'hls-config': { type: 'string', default: '{}' },
});
if (!['on', 'off'].includes(opts['low-latency'])) usage('--low-latency takes on or off');
const hlsConfig = { lowLatencyMode: opts['low-latency'] === 'on', debug: false, ...jsonOption(opts, 'hls-config') };

// Runs in the page: creates hls.js on window.__fm's <video>.
function setup({ url, hlsConfig }) {
  const fm = window.__fm;
  const video = fm.video;
  fm.supported = Hls.isSupported();
  fm.hlsVersion = Hls.version;
  fm.fragments = 0;
  fm.parts = 0;
  fm.levels = [];
  fm.level = null;
  if (!fm.supported) return;

  const hls = new Hls(hlsConfig);
  hls.on(Hls.Events.ERROR, (_, d) => {
    fm.errors.push({
      t: fm.rel(),
      fatal: d.fatal,
      type: d.type,
      details: d.details,
      reason: d.reason || (d.error && d.error.message) || null,
      url: (d.frag && d.frag.url) || (d.context && d.context.url) || null,
      status: (d.response && d.response.code) || null,
    });
  });
  hls.on(Hls.Events.FRAG_LOADED, (_, d) => {
    if (d.part) fm.parts++;
    else fm.fragments++;
  });
  hls.on(Hls.Events.MANIFEST_PARSED, (_, d) => {
    fm.levels = d.levels.map((l) => ({
      width: l.width,
      height: l.height,
      bitrate: l.bitrate,
      videoCodec: l.videoCodec || null,
      audioCodec: l.audioCodec || null,
      codecs: l.codecSet || null,
    }));
  });
  hls.on(Hls.Events.LEVEL_LOADED, (_, d) => {
    const det = d.details;
    fm.level = {
      live: det.live,
      type: det.type || null,
      targetduration: det.targetduration,
      partTarget: det.partTarget || 0,
      canBlockReload: !!det.canBlockReload,
      canSkipUntil: det.canSkipUntil || 0,
      fragments: det.fragments.length,
      partList: det.partList ? det.partList.length : 0,
      segmentType: det.fragments.length ? det.fragments[det.fragments.length - 1].type : null,
    };
  });
  hls.on(Hls.Events.BUFFER_CODECS, (_, d) => {
    fm.bufferCodecs = Object.fromEntries(
      Object.entries(d)
        .filter(([, v]) => v && v.codec)
        .map(([k, v]) => [k, { codec: v.codec, container: v.container || null }]),
    );
  });
  fm.latency = () => hls.latency;
  fm.target = () => hls.targetLatency;
  fm.collect = () => ({
    hlsVersion: fm.hlsVersion,
    fragments: fm.fragments,
    parts: fm.parts,
    levels: fm.levels,
    level: fm.level,
    bufferCodecs: fm.bufferCodecs || null,
  });
  fm.destroy = () => hls.destroy();

  hls.loadSource(url);
  hls.attachMedia(video);
  video.play().catch((e) => fm.events.push(['play-rejected:' + e.name, fm.rel()]));
}

await runPlayer(opts, {
  name: 'hls.js',
  scripts: [require.resolve('hls.js/dist/hls.min.js')],
  setup,
  setupArg: { url: opts.url, hlsConfig },
  fields: (raw) => ({
    hls_version: raw.extra.hlsVersion ?? null,
    low_latency_mode: hlsConfig.lowLatencyMode,
    levels: raw.extra.levels ?? [],
    level: raw.extra.level ?? null,
    buffer_codecs: raw.extra.bufferCodecs ?? null,
    fragments_loaded: raw.extra.fragments ?? 0,
    parts_loaded: raw.extra.parts ?? 0,
  }),
});
