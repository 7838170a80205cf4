'use strict';
/**
 * Preloaded into the apps by the benchmark (NODE_OPTIONS=--require …/probe.js); does nothing
 * unless BENCH_PROBE_DIR is set. Measuring instruments only, no behaviour change:
 *
 * 1. Raw observations of the messaging histograms `messaging_event_age_seconds` (consumer:
 *    now − occurredAt when the handler finished, i.e. the change is applied) and
 *    `messaging_publish_delay_seconds` (relay: Kafka ack − occurredAt). The histograms'
 *    buckets (5, 10, 25, 50 ms…) are too coarse for percentiles, so every value is also
 *    appended to <dir>/<app>-<pid>.samples as "<epoch ms> <metric> <topic> <ms>".
 * 2. A CPU profile of a chosen window: SIGWINCH starts the V8 sampling profiler in-process
 *    (node:inspector), the next SIGWINCH stops it and writes <dir>/<app>-<pid>-<n>.cpuprofile.
 *    (`--cpu-prof` would profile start-up too, and writes nothing when the app is ended by a
 *    signal, which is how Nest's shutdown hooks end. SIGWINCH because Nest's shutdown hooks
 *    take SIGUSR2, and its default action is to do nothing, should the probe be missing.)
 */
const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  const fs = require('node:fs');
  const path = require('node:path');
  const inspector = require('node:inspector');
  const match = /apps[\\/]([\w-]+)[\\/]/.exec(process.argv[1] || '');
  const name = `${match ? match[1] : 'node'}-${process.pid}`;
  const samplesFile = path.join(dir, `${name}.samples`);
  const watched = new Set(['messaging_event_age_seconds', 'messaging_publish_delay_seconds']);
  let buffer = [];

  const flush = () => {
    if (buffer.length === 0) return;
    const text = buffer.join('');
    buffer = [];
    fs.appendFileSync(samplesFile, text);
  };
  setInterval(flush, 200).unref();
  process.on('exit', flush);

  // prom-client's constructor binds `observe` per instance to one of these two methods, so
  // they are wrapped on the prototype, before the app creates its histograms.
  const { Histogram } = require('prom-client');
  const record = (metric, labels, seconds) => {
    const topic = labels && typeof labels === 'object' ? labels.topic : '-';
    buffer.push(`${Date.now()} ${metric} ${topic} ${Math.round(seconds * 1000)}\n`);
  };
  const withoutExemplar = Histogram.prototype.observeWithoutExemplar;
  Histogram.prototype.observeWithoutExemplar = function observeAndRecord(labels, value) {
    if (watched.has(this.name)) {
      if (typeof labels === 'number') record(this.name, {}, labels);
      else record(this.name, labels, value);
    }
    return withoutExemplar.apply(this, arguments);
  };
  const withExemplar = Histogram.prototype.observeWithExemplar;
  Histogram.prototype.observeWithExemplar = function observeAndRecord(observation) {
    if (watched.has(this.name) && observation) {
      record(this.name, observation.labels, observation.value);
    }
    return withExemplar.apply(this, arguments);
  };

  let session;
  let count = 0;
  process.on('SIGWINCH', () => {
    if (!session) {
      session = new inspector.Session();
      session.connect();
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    const current = session;
    session = undefined;
    current.post('Profiler.stop', (error, result) => {
      count += 1;
      const file = path.join(dir, `${name}-${count}.cpuprofile`);
      const tmp = `${file}.tmp`;
      fs.writeFileSync(
        tmp,
        error ? JSON.stringify({ error: String(error) }) : JSON.stringify(result.profile),
      );
      fs.renameSync(tmp, file);
      current.disconnect();
    });
  });
}
