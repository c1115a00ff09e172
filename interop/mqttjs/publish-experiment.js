'use strict';
// Seed experiment 2: the same client publishing every 0.8 x keep alive (every 4 s with a keep
// alive of 5 s, as in the seeds). Traffic already proves the client alive, so no PINGREQ at all
// should go out, and the connection must stay up.
//
//   node publish-experiment.js <host> <port> <keepalive-seconds> <duration-seconds> [interval-seconds]
//   node publish-experiment.js 127.0.0.1 1883 5 30
//
// The messages are QoS 1: mqtt.js 5 restarts its keep-alive timer when an acknowledgement
// (PUBACK) arrives, not when it sends, so with QoS 0 publishes it would ping all the same. That
// is the client's choice (the protocol allows PINGREQ at any time); QoS 1 shows the seeds' point.
//
// Prints one JSON line per event and a summary line last; exits 0 once the run is over.

const { parseArgs, runExperiment } = require('./experiment');

const { host, port, keepalive, duration, rest } = parseArgs(
  'publish-experiment.js', '[interval-seconds, default 0.8 x keepalive]');
const interval = rest.length > 0 ? Number(rest[0]) : 0.8 * keepalive;
if (!(interval > 0)) {
  console.error(`publish-experiment.js: interval must be a positive number, was '${rest[0]}'`);
  process.exit(2);
}

let sent = 0;
let acked = 0;
const failures = [];

runExperiment({
  name: 'publish',
  host,
  port,
  keepalive,
  duration,
  extraSummary: () => ({ intervalMs: Math.round(interval * 1000), acked, failures }),
  onConnected: ({ client, emit, timers, isEnding }) => {
    const topic = `midge/seed/keepalive/${client.options.clientId}`;
    timers.push(setInterval(() => {
      if (isEnding()) return;
      sent += 1;
      const payload = JSON.stringify({ n: sent, at: new Date().toISOString() });
      client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err) {
          failures.push(err.message);
          emit({ event: 'publish-failed', n: sent, message: err.message });
        } else {
          acked += 1;
        }
      });
    }, interval * 1000));
  },
});
