// mqtt.js (Node) over WebSocket against Midge, as WebSocketListenerTest asks, printing one JSON
// line per step and a summary line last:
//
//   node ws-check.js URL TOPIC [CA.pem]
//
// 1. connects to URL (ws://host:port/mqtt or wss://...; with CA.pem, trusting that CA only);
// 2. subscribes to TOPIC at QoS 1 and prints {"event":"subscribed"};
// 3. waits for one message on TOPIC (the test publishes it over TCP), prints it, and exits 0;
//    exits 1 on an error or after 20 s without a message.
'use strict';

const fs = require('fs');
const mqtt = require('mqtt');

const [url, topic, caFile] = process.argv.slice(2);
if (!url || !topic) {
  console.error('usage: node ws-check.js URL TOPIC [CA.pem]');
  process.exit(2);
}
const log = (event, extra) => console.log(JSON.stringify({ event, ...extra }));
const summary = { connected: false, subscribed: false, message: null };

const options = { clientId: 'mqttjs-ws-' + process.pid, protocolVersion: 5, reconnectPeriod: 0,
  connectTimeout: 10000 };
if (caFile) {
  options.ca = fs.readFileSync(caFile);
  options.rejectUnauthorized = true;
}
const client = mqtt.connect(url, options);
const finish = (ok) => {
  log('summary', summary);
  client.end(true, () => process.exit(ok ? 0 : 1));
  setTimeout(() => process.exit(ok ? 0 : 1), 2000).unref();
};
const timer = setTimeout(() => { summary.error = 'no message in 20 s'; finish(false); }, 20000);

client.on('connect', () => {
  summary.connected = true;
  log('connected');
  client.subscribe(topic, { qos: 1 }, (err) => {
    if (err) { summary.error = String(err); finish(false); return; }
    summary.subscribed = true;
    log('subscribed');
  });
});
client.on('message', (t, payload) => {
  summary.message = { topic: t, payload: payload.toString() };
  log('message', summary.message);
  clearTimeout(timer);
  finish(true);
});
client.on('error', (e) => { summary.error = String(e && e.message ? e.message : e); clearTimeout(timer); finish(false); });
