#!/usr/bin/env node
// Plays an HLS playlist with hls.js in the system's headless Chromium and prints one JSON
// object describing what a viewer saw: how far currentTime advanced, stalls, hls.js errors,
// hls.latency, level and codec, fragments and parts loaded. Chromium, the page, the sampling
// and the report's common fields are player_common.mjs's.
//
// Usage: node play.mjs --url URL [--seconds 10] [--low-latency on|off] [--start-timeout 15]
//                      [--hls-config JSON] [--chromium /usr/bin/chromium] [--sample-ms 100]
//
// The report's trace lists what hls.js loaded and buffered (see setup()). With
// --hls-config '{"debug":"capture"}' hls.js's own log goes to the file named by the
// FM_HLS_LOG_FILE environment variable (it changes hls.js's timing: not for the tests).
//
// Exit status: 0 played; 1 a fatal hls.js error; 2 the video never started; 3 anything else.
import { writeFileSync } from 'node:fs';
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

  // --hls-config '{"debug":"capture"}': hls.js's own log, kept for writeLog().
  fm.log = [];
  if (hlsConfig.debug === 'capture') {
    const keep = (level) => (...args) => {
      if (fm.log.length < 5000) fm.log.push(`${fm.rel()} ${level} ${args.map(String).join(' ')}`.slice(0, 400));
    };
    hlsConfig.debug = { trace: keep('trace'), debug: keep('debug'), log: keep('log'), info: keep('info'), warn: keep('warn'), error: keep('error') };
  }
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
  // What hls.js loaded and where it landed, for diagnosing a stall (the report's trace, bounded):
  //   [t, 'playlist', main|audio, last complete segment, last part "sn.index", open segment]
  //   [t, 'loading', type, sn, part index or -1, target buffer time]
  //   [t, 'load', type, sn, part index or -1, listed start, listed duration]
  //   [t, 'buffered', SourceBuffer, its ranges, the element's ranges (the intersection)]
  //   [t, 'fragbuffered', type, sn, part, complete in the playlist, start, duration, tracker state]
  fm.trace = [];
  const trace = (entry) => {
    if (fm.trace.length < 2000) fm.trace.push(entry);
  };
  const r3 = (x) => Math.round(x * 1000) / 1000;
  hls.on(Hls.Events.FRAG_LOADED, (_, d) => {
    if (d.part) fm.parts++;
    else fm.fragments++;
    const item = d.part || d.frag;
    trace([fm.rel(), 'load', d.frag.type, d.frag.sn, d.part ? d.part.index : -1, r3(item.start), r3(item.duration)]);
  });
  const rangesOf = (b) => {
    const ranges = [];
    for (let i = 0; b && i < b.length; i++) ranges.push([r3(b.start(i)), r3(b.end(i))]);
    return ranges;
  };
  hls.on(Hls.Events.FRAG_LOADING, (_, d) => {
    trace([fm.rel(), 'loading', d.frag.type, d.frag.sn, d.part ? d.part.index : -1, r3(d.targetBufferTime ?? -1)]);
  });
  hls.on(Hls.Events.BUFFER_APPENDED, (_, d) => {
    trace([fm.rel(), 'buffered', d.type, rangesOf(d.timeRanges && d.timeRanges[d.type]), rangesOf(video.buffered)]);
  });
  const playlistTrace = (type) => (_, d) => {
    const det = d.details;
    const parts = det.partList || [];
    const last = parts.length ? parts[parts.length - 1] : null;
    trace([fm.rel(), 'playlist', type, det.endSN, last ? `${last.fragment.sn}.${last.index}` : null, det.fragmentHint ? det.fragmentHint.sn : null]);
  };
  // The fragment tracker is hls.js-internal: null when absent.
  hls.on(Hls.Events.FRAG_BUFFERED, (_, d) => {
    const ft = hls.streamController && hls.streamController.fragmentTracker;
    trace([fm.rel(), 'fragbuffered', d.frag.type, d.frag.sn, d.part ? d.part.index : -1, !!d.frag.relurl, r3(d.frag.start), r3(d.frag.duration), ft ? ft.getState(d.frag) : null]);
  });
  hls.on(Hls.Events.LEVEL_LOADED, playlistTrace('main'));
  hls.on(Hls.Events.AUDIO_TRACK_LOADED, playlistTrace('audio'));
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
    trace: fm.trace,
    log: fm.log,
  });
  fm.destroy = () => hls.destroy();

  hls.loadSource(url);
  hls.attachMedia(video);
  video.play().catch((e) => fm.events.push(['play-rejected:' + e.name, fm.rel()]));
}

// hls.js's captured log goes to the file FM_HLS_LOG_FILE names (too long for the report line).
function writeLog(lines) {
  if (lines.length && process.env.FM_HLS_LOG_FILE) writeFileSync(process.env.FM_HLS_LOG_FILE, lines.join('\n') + '\n');
  return lines.length;
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
    trace: raw.extra.trace ?? [],
    log_lines: writeLog(raw.extra.log ?? []),
  }),
});
