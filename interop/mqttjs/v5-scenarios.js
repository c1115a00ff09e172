'use strict';
// MQTT 5 scenarios with mqtt.js (protocolVersion 5) against any broker, Midge in particular.
// MqttJsV5InteropTest in midge-broker runs them; they run by hand too:
//
//   node v5-scenarios.js keepalive        <host> <port> <keepalive-s> <duration-s>
//   node v5-scenarios.js silent           <host> <port> <keepalive-s>
//   node v5-scenarios.js aliases          <host> <pub-port> <sub-port>
//   node v5-scenarios.js user-properties  <host> <pub-port> <sub-port>
//
// keepalive        an idle client: the CONNACK's properties (Server Keep Alive among them), the
//                  keep alive mqtt.js then uses, every PINGREQ / PINGRESP, and whether the
//                  connection stayed up for the whole duration
// silent           a client that stops pinging once connected (its keep-alive timer is stopped):
//                  how long until the broker's DISCONNECT, and its reason code
// aliases          a publisher that assigns Topic Aliases itself (autoAssignTopicAlias) sends two
//                  rounds of QoS 1 messages to three topics, then to twelve more (more than the
//                  broker allows aliases for, so it maps aliases anew) and to the first again; a
//                  subscriber that allows 2 aliases (topicAliasMaximum) reports each PUBLISH as it
//                  came (topic, alias) and each message as mqtt.js resolved it
// user-properties  a publisher sends QoS 1 messages with User Properties (a name repeated), Content
//                  Type, Response Topic, Correlation Data and Payload Format Indicator; the
//                  subscriber reports them as received
//
// The two ports let a test put a proxy in front of one client; give the same port twice without.
// Every event is one JSON line on stdout; the last line is {"event":"summary",...}. Exit 0 once
// the scenario ran (its outcome is in the summary), 2 on bad arguments.

const mqtt = require('mqtt');

const USAGE = [
  'usage: node v5-scenarios.js keepalive <host> <port> <keepalive-s> <duration-s>',
  '       node v5-scenarios.js silent <host> <port> <keepalive-s>',
  '       node v5-scenarios.js aliases <host> <pub-port> <sub-port>',
  '       node v5-scenarios.js user-properties <host> <pub-port> <sub-port>',
].join('\n');

const [scenario, host, ...rest] = process.argv.slice(2);
const startedAt = Date.now();
const errors = [];
let finished = false;

function usage(problem) {
  if (problem) console.error(`v5-scenarios.js: ${problem}`);
  console.error(USAGE);
  process.exit(2);
}

function number(text, what) {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) {
    usage(`${what} must be 1 to 65535, was '${text}'`);
  }
  return n;
}

function emit(obj) {
  process.stdout.write(JSON.stringify({ ...obj, t: Date.now() - startedAt }) + '\n');
}

function summary(obj) {
  if (finished) return;
  finished = true;
  emit({ event: 'summary', scenario, errors, ...obj });
  process.exit(0);
}

function connect(name, port, extra) {
  const clientId = `midge-v5-${scenario}-${name}-${process.pid}`;
  const client = mqtt.connect({
    host,
    port,
    protocol: 'mqtt',
    protocolVersion: 5,
    clientId,
    clean: true,
    keepalive: 60,
    reconnectPeriod: 0, // no reconnect: a drop must show, not be papered over
    connectTimeout: 10 * 1000,
    ...extra,
  });
  client.on('error', (err) => {
    errors.push(`${name}: ${err.message}`);
    emit({ event: 'error', client: name, message: err.message, code: err.code });
  });
  return client;
}

/**
 * Resolves once `client` has its CONNACK, with the CONNACK packet; rejects if the connection
 * closes first.
 */
function connected(client) {
  return new Promise((resolve, reject) => {
    const closed = () => reject(new Error(`${client.options.clientId}: closed before CONNACK`));
    client.once('close', closed);
    client.once('connect', (packet) => {
      client.removeListener('close', closed);
      resolve(packet);
    });
  });
}

function publish(client, topic, payload, opts) {
  return new Promise((resolve, reject) => {
    client.publish(topic, payload, opts, (err) => (err ? reject(err) : resolve()));
  });
}

function subscribe(client, filter, opts) {
  return new Promise((resolve, reject) => {
    client.subscribe(filter, opts, (err, granted) => (err ? reject(err) : resolve(granted)));
  });
}

function end(client) {
  return new Promise((resolve) => {
    client.end(false, {}, resolve);
    setTimeout(resolve, 3000).unref(); // end() never calling back must not hang the script
  });
}

/** Gives up with a summary if the scenario has not finished within `seconds`. */
function deadline(seconds, what) {
  setTimeout(() => {
    errors.push(`${what} did not finish within ${seconds} s`);
    summary({});
  }, seconds * 1000).unref();
}

// ---- keepalive ----

function keepalive([portText, keepaliveText, durationText]) {
  const port = number(portText, 'port');
  const keepalive = number(keepaliveText, 'keepalive');
  const duration = Number(durationText);
  if (!(duration > 0)) usage(`duration must be a positive number, was '${durationText}'`);
  const counts = { pingreq: 0, pingresp: 0 };
  const pingTimes = [];
  let unexpectedClose = 0;
  let disconnectReasonCode = null;
  let ending = false;
  let connack = null;

  const client = connect('idle', port, { keepalive });
  client.on('packetsend', (p) => {
    if (p.cmd === 'pingreq') {
      counts.pingreq += 1;
      pingTimes.push(Date.now());
      emit({ event: 'packetsend', cmd: p.cmd });
    }
  });
  client.on('packetreceive', (p) => {
    if (p.cmd === 'pingresp') {
      counts.pingresp += 1;
      emit({ event: 'packetreceive', cmd: p.cmd });
    }
  });
  client.on('disconnect', (p) => {
    disconnectReasonCode = p.reasonCode ?? 0;
    emit({ event: 'disconnect', reasonCode: disconnectReasonCode });
  });
  client.on('close', () => {
    if (!ending) {
      unexpectedClose += 1;
      emit({ event: 'close', expected: false });
      finish();
    }
  });
  connected(client).then((packet) => {
    connack = packet;
    emit({ event: 'connack', properties: packet.properties ?? {},
      keepaliveUsed: client.keepalive });
    setTimeout(finish, duration * 1000);
  }, () => {}); // a close before CONNACK is reported by the 'close' handler
  deadline(duration + 15, 'keepalive');

  function finish() {
    if (ending) return;
    ending = true;
    // A PINGREQ sent just before the end deserves its PINGRESP: wait up to 1 s for it.
    const until = Date.now() + 1000;
    const wait = () => {
      if (counts.pingresp < counts.pingreq && Date.now() < until && client.connected) {
        setTimeout(wait, 20);
        return;
      }
      const intervals = [];
      for (let i = 1; i < pingTimes.length; i++) intervals.push(pingTimes[i] - pingTimes[i - 1]);
      const result = {
        connected: connack !== null,
        keepaliveAsked: keepalive,
        serverKeepAlive: connack?.properties?.serverKeepAlive ?? null,
        keepaliveUsed: connack === null ? null : client.keepalive,
        ...counts,
        pingIntervalsMs: intervals,
        unexpectedClose,
        disconnectReasonCode,
      };
      end(client).then(() => summary(result));
    };
    wait();
  }
}

// ---- silent ----

function silent([portText, keepaliveText]) {
  const port = number(portText, 'port');
  const keepalive = number(keepaliveText, 'keepalive');
  // Silence is measured from just before connecting (mqtt.js reports no 'packetsend' for
  // CONNECT, which leaves a little later: the broker has heard nothing for a little less than
  // this), or from the last packet sent after the CONNACK, if any.
  let silentSince = Date.now();
  let disconnectReasonCode = null;
  let disconnectAfterMs = null;

  const client = connect('silent', port, { keepalive });
  client.on('packetsend', (p) => {
    silentSince = Date.now();
    emit({ event: 'packetsend', cmd: p.cmd });
  });
  client.on('disconnect', (p) => {
    disconnectReasonCode = p.reasonCode ?? 0;
    disconnectAfterMs = Date.now() - silentSince;
    emit({ event: 'disconnect', reasonCode: disconnectReasonCode, silentForMs: disconnectAfterMs });
  });
  client.on('close', () => {
    emit({ event: 'close' });
    summary({ keepalive, disconnectReasonCode, silentForMs: disconnectAfterMs });
  });
  connected(client).then(() => {
    // Stop the client's own keep-alive timer: no PINGREQ from now on, and no giving up either.
    client.keepaliveManager.destroy();
    emit({ event: 'connack', note: 'keep-alive timer stopped' });
  }, () => {}); // a close before CONNACK is reported by the 'close' handler
  deadline(keepalive * 3 + 15, 'silent');
}

// ---- aliases ----

async function aliases([pubPortText, subPortText]) {
  const pubPort = number(pubPortText, 'pub-port');
  const subPort = number(subPortText, 'sub-port');
  const prefix = `midge/v5/aliases/${process.pid}/`;
  const subWire = [];
  const subMessages = [];
  const pubWire = [];
  deadline(30, 'aliases');

  const sub = connect('sub', subPort, { properties: { topicAliasMaximum: 2 } });
  sub.on('packetreceive', (p) => {
    if (p.cmd === 'publish') {
      // As received: mqtt.js resolves the alias afterwards, without changing the packet.
      const e = { topic: p.topic, alias: p.properties?.topicAlias ?? null };
      subWire.push(e);
      emit({ event: 'sub-publish', ...e });
    }
  });
  sub.on('message', (topic, payload) => {
    subMessages.push({ topic, payload: payload.toString() });
    emit({ event: 'sub-message', topic, payload: payload.toString() });
  });
  const subConnack = await connected(sub);
  await subscribe(sub, `${prefix}#`, { qos: 1 });

  const pub = connect('pub', pubPort, { autoAssignTopicAlias: true });
  pub.on('packetsend', (p) => {
    if (p.cmd === 'publish') {
      const e = { topic: p.topic, alias: p.properties?.topicAlias ?? null };
      pubWire.push(e);
      emit({ event: 'pub-publish', ...e });
    }
  });
  const pubConnack = await connected(pub);
  const sent = [];
  const send = async (topic, payload) => {
    await publish(pub, prefix + topic, payload, { qos: 1 });
    sent.push({ topic: prefix + topic, payload });
  };
  for (let round = 0; round < 2; round++) {
    for (const t of ['a', 'b', 'c']) await send(t, `${t}${round}`);
  }
  // More topics than the broker's Topic Alias Maximum: mqtt.js maps its least recently used
  // aliases to new topics, and then 'a' again, whose alias has gone to another topic meanwhile.
  for (let i = 0; i < 12; i++) await send(`more/${i}`, `more${i}`);
  await send('a', 'a2');
  const until = Date.now() + 10 * 1000;
  while (subMessages.length < sent.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all([end(pub), end(sub)]);
  summary({
    prefix,
    brokerTopicAliasMaximum: pubConnack.properties?.topicAliasMaximum ?? null,
    subTopicAliasMaximum: 2,
    subConnected: subConnack !== null,
    sent,
    pubWire,
    subWire,
    subMessages,
  });
}

// ---- user-properties ----

async function userProperties([pubPortText, subPortText]) {
  const pubPort = number(pubPortText, 'pub-port');
  const subPort = number(subPortText, 'sub-port');
  const topic = `midge/v5/user-properties/${process.pid}`;
  const received = [];
  deadline(30, 'user-properties');

  const sub = connect('sub', subPort, {});
  sub.on('message', (t, payload, packet) => {
    const p = packet.properties ?? {};
    const e = {
      topic: t,
      payload: payload.toString(),
      qos: packet.qos,
      userProperties: p.userProperties ?? null,
      contentType: p.contentType ?? null,
      responseTopic: p.responseTopic ?? null,
      correlationData: p.correlationData ? Buffer.from(p.correlationData).toString('hex') : null,
      payloadFormatIndicator: p.payloadFormatIndicator ?? null,
    };
    received.push(e);
    emit({ event: 'sub-message', ...e });
  });
  await connected(sub);
  await subscribe(sub, topic, { qos: 2 });

  const pub = connect('pub', pubPort, {});
  await connected(pub);
  const userProps = {
    a: '1',
    dup: ['first', 'second', 'third'],
    b: '2',
    empty: '',
    unicode: '\u00fcber \u2713',
  };
  const sent = [];
  for (const qos of [0, 1, 2]) {
    await publish(pub, topic, `message at QoS ${qos}`, {
      qos,
      properties: {
        userProperties: userProps,
        contentType: 'application/json; charset=utf-8',
        responseTopic: `${topic}/reply/\u00fc`,
        correlationData: Buffer.from([0, 1, 2, 0xfe, 0xff]),
        payloadFormatIndicator: true,
      },
    });
    sent.push({ qos, userProperties: userProps });
  }
  const until = Date.now() + 10 * 1000;
  while (received.length < sent.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all([end(pub), end(sub)]);
  summary({ topic, sent, received });
}

// ----

const scenarios = {
  keepalive: [keepalive, 3],
  silent: [silent, 2],
  aliases: [aliases, 2],
  'user-properties': [userProperties, 2],
};
if (!scenario || scenario === '-h' || scenario === '--help' || !(scenario in scenarios) || !host) {
  usage(scenario && !(scenario in scenarios) && scenario !== '-h' && scenario !== '--help'
    ? `unknown scenario '${scenario}'` : null);
}
const [run, arity] = scenarios[scenario];
if (rest.length < arity) usage(`${scenario} needs ${arity} arguments after the host`);
emit({ event: 'start', scenario, host, args: rest, mqttjs: require('mqtt/package.json').version,
  node: process.version });
Promise.resolve(run(rest)).catch((err) => {
  errors.push(err.message);
  summary({});
});
