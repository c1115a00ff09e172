'use strict';
// Shared by ping-experiment.js and publish-experiment.js: argument parsing, the mqtt.js client,
// and the event log. Every event is one JSON line on stdout; the last line is the summary.
//
// Event lines:  {"event":"packetsend","cmd":"pingreq","t":2003,"time":"2025-..."}
//               (t = milliseconds since the CONNACK; time = wall clock, ISO 8601)
// Summary line: {"event":"summary", "pingreq":3, "pingresp":3, "unanswered":0, ...}

const mqtt = require('mqtt');

const USAGE_ARGS = '<host> <port> <keepalive-seconds> <duration-seconds>';

function parseArgs(script, extraUsage) {
  const args = process.argv.slice(2);
  if (args.length < 4 || args.includes('-h') || args.includes('--help')) {
    console.error(`usage: node ${script} ${USAGE_ARGS}${extraUsage ? ' ' + extraUsage : ''}`);
    console.error(`example: node ${script} 127.0.0.1 1883 5 30`);
    process.exit(2);
  }
  const [host, portText, keepaliveText, durationText, ...rest] = args;
  const port = Number(portText);
  const keepalive = Number(keepaliveText);
  const duration = Number(durationText);
  const bad = (what, value) => {
    console.error(`${script}: ${what} must be a positive number, was '${value}'`);
    process.exit(2);
  };
  if (!Number.isInteger(port) || port <= 0 || port > 65535) bad('port', portText);
  if (!Number.isInteger(keepalive) || keepalive <= 0 || keepalive > 65535) bad('keepalive', keepaliveText);
  if (!(duration > 0)) bad('duration', durationText);
  return { host, port, keepalive, duration, rest };
}

/**
 * Connects, calls onConnected(ctx) once the CONNACK is in, runs for `duration` seconds after it,
 * then disconnects cleanly, prints the summary and exits 0. Reconnecting is off, so a 'close' or
 * 'offline' event before the end means the connection really dropped.
 */
function runExperiment({ name, host, port, keepalive, duration, extraSummary, onConnected }) {
  const clientId = `midge-seed-${name}-${process.pid}`;
  const counts = { pingreq: 0, pingresp: 0, publish: 0, puback: 0 };
  const pingTimes = [];
  const errors = [];
  let unexpectedClose = 0;
  let offline = 0;
  let connectedAt = null;
  let ending = false;
  let finished = false;
  const timers = [];
  const startedAt = Date.now();

  const emit = (obj) => {
    const since = connectedAt === null ? Date.now() - startedAt : Date.now() - connectedAt;
    process.stdout.write(JSON.stringify({ ...obj, t: since, time: new Date().toISOString() }) + '\n');
  };

  emit({ event: 'start', experiment: name, host, port, keepalive, duration, clientId,
         mqttjs: require('mqtt/package.json').version, node: process.version });

  const client = mqtt.connect({
    host,
    port,
    protocol: 'mqtt',
    protocolVersion: 4, // MQTT 3.1.1, as in the seeds
    clientId,
    clean: true,
    keepalive,
    reconnectPeriod: 0, // no reconnect: a drop must show, not be papered over
    connectTimeout: 10 * 1000,
  });

  client.on('packetsend', (packet) => {
    if (packet.cmd in counts) counts[packet.cmd] += 1;
    if (packet.cmd === 'pingreq') pingTimes.push(Date.now());
    const e = { event: 'packetsend', cmd: packet.cmd };
    if (packet.messageId !== undefined) e.messageId = packet.messageId;
    if (packet.qos !== undefined && packet.cmd === 'publish') e.qos = packet.qos;
    emit(e);
  });
  client.on('packetreceive', (packet) => {
    if (packet.cmd in counts) counts[packet.cmd] += 1;
    const e = { event: 'packetreceive', cmd: packet.cmd };
    if (packet.messageId !== undefined) e.messageId = packet.messageId;
    if (packet.cmd === 'connack') e.returnCode = packet.returnCode ?? packet.reasonCode;
    emit(e);
  });
  client.on('connect', () => {
    connectedAt = Date.now();
    emit({ event: 'connect' });
    onConnected({ client, emit, timers, isEnding: () => ending });
    timers.push(setTimeout(finish, duration * 1000));
  });
  client.on('close', () => {
    if (!ending) unexpectedClose += 1;
    emit({ event: 'close', expected: ending });
    if (!ending) finish();
  });
  client.on('offline', () => {
    if (!ending) offline += 1;
    emit({ event: 'offline', expected: ending });
  });
  client.on('error', (err) => {
    errors.push(err.message);
    emit({ event: 'error', message: err.message, code: err.code });
  });

  // Nothing at all within the connect timeout plus a margin: give up with a summary.
  const giveUp = setTimeout(() => {
    if (connectedAt === null) {
      errors.push('no CONNACK within 12 s');
      finish();
    }
  }, 12 * 1000);

  function finish() {
    if (ending) return;
    ending = true;
    clearTimeout(giveUp);
    timers.forEach((t) => { clearTimeout(t); clearInterval(t); });
    // A PINGREQ sent just before the end deserves its PINGRESP before we judge: wait up to 1 s.
    const deadline = Date.now() + 1000;
    const waitForAnswers = () => {
      if (counts.pingresp < counts.pingreq && Date.now() < deadline && client.connected) {
        setTimeout(waitForAnswers, 20);
        return;
      }
      const summaryCounts = { ...counts };
      const end = () => summary(summaryCounts);
      if (client.connected) {
        client.end(false, {}, end);
        setTimeout(end, 3000).unref(); // end() never calling back must not hang the script
      } else {
        client.end(true, {}, end);
        setTimeout(end, 1000).unref();
      }
    };
    waitForAnswers();
  }

  function summary(c) {
    if (finished) return;
    finished = true;
    const intervals = [];
    for (let i = 1; i < pingTimes.length; i++) intervals.push(pingTimes[i] - pingTimes[i - 1]);
    emit({
      event: 'summary',
      experiment: name,
      keepalive,
      durationMs: connectedAt === null ? 0 : Date.now() - connectedAt,
      connected: connectedAt !== null,
      pingreq: c.pingreq,
      pingresp: c.pingresp,
      unanswered: Math.max(0, c.pingreq - c.pingresp),
      pingIntervalsMs: intervals,
      publish: c.publish,
      puback: c.puback,
      unexpectedClose,
      offline,
      errors,
      ...(extraSummary ? extraSummary() : {}),
    });
    process.exit(0);
  }
}

module.exports = { parseArgs, runExperiment };
