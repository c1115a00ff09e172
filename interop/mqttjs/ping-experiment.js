'use strict';
// Seed experiment 1: a client with a keep alive and no traffic at all. mqtt.js must send a
// PINGREQ about once per keep-alive interval, and the broker must answer each with a PINGRESP
// (MQTT-3.1.2-23, MQTT-3.12.4-1).
//
//   node ping-experiment.js <host> <port> <keepalive-seconds> <duration-seconds>
//   node ping-experiment.js 127.0.0.1 1883 5 30
//
// Prints one JSON line per event and a summary line last; exits 0 once the run is over
// (2 on bad arguments). The summary's pingreq / pingresp say what happened.

const { parseArgs, runExperiment } = require('./experiment');

const { host, port, keepalive, duration } = parseArgs('ping-experiment.js');

runExperiment({
  name: 'ping',
  host,
  port,
  keepalive,
  duration,
  onConnected: () => {
    // Deliberately nothing: silence is the experiment.
  },
});
