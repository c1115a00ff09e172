#!/usr/bin/env bash
# Measures Mosquitto, HiveMQ CE (embedded) and Midge one at a time on this machine with
# `midge bench`, and prints one table of medians with Midge's ratios to the other two.
#
#   bench/compare.sh                 # 3 runs per broker, 10 s per scenario
#   bench/compare.sh --runs 1 --duration 3s --warmup 1s --connections 2000   # a quick look
#
# Each run starts a fresh broker (on a free loopback port, never 1883), runs every scenario
# against it, and stops it. Mosquitto comes from Debian (installed if missing, as root), HiveMQ
# CE from Maven Central (bench/hivemq, outside the Midge build). Raw results go to
# bench/results/DATE/ (one JSON line per scenario and run), the table to stdout and to
# bench/results/DATE/table.md. Needs python3 for the table.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

RUNS=3
DURATION=10s
WARMUP=2s
CONNECTIONS=10000
BROKERS="mosquitto hivemq midge"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --brokers) BROKERS="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '==> %s\n' "$*" >&2; }

# ---- what is needed ----

if [[ " $BROKERS " == *" mosquitto "* ]] && ! command -v mosquitto >/dev/null 2>&1 \
    && [ ! -x /usr/sbin/mosquitto ]; then
  say "installing mosquitto (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mosquitto
fi
MOSQUITTO="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
command -v python3 >/dev/null 2>&1 || { echo "compare.sh: python3 is needed for the table" >&2; exit 1; }

say "building midge"
mvn -B -q -DskipTests -pl midge-cli -am package
MIDGE_JAR="$ROOT/midge-cli/target/midge.jar"
if [[ " $BROKERS " == *" hivemq "* ]]; then
  say "building the HiveMQ CE launcher"
  mvn -B -q -f bench/hivemq/pom.xml package dependency:copy-dependencies
fi
HIVEMQ_CP="$ROOT/bench/hivemq/target/classes:$ROOT/bench/hivemq/target/lib/*"

OUT="$ROOT/bench/results/$(date -u +%Y-%m-%dT%H%M%SZ)"
mkdir -p "$OUT"
WORK="$(mktemp -d)"
BROKER_PID=""
cleanup() {
  if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_listening() { # port pid
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "compare.sh: the broker exited before listening" >&2; return 1; }
    sleep 0.1
  done
  echo "compare.sh: nothing listens on port $1 after 60 s" >&2
  return 1
}

start_broker() { # name port
  local name="$1" port="$2"
  case "$name" in
    mosquitto)
      printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" > "$WORK/mosquitto.conf"
      "$MOSQUITTO" -c "$WORK/mosquitto.conf" >"$WORK/$name.log" 2>&1 &
      ;;
    hivemq)
      rm -rf "$WORK/hivemq"
      java -cp "$HIVEMQ_CP" dev.midge.bench.HiveMqLauncher "$port" "$WORK/hivemq" >"$WORK/$name.log" 2>&1 &
      ;;
    midge)
      java -jar "$MIDGE_JAR" broker --port "$port" >"$WORK/$name.log" 2>&1 &
      ;;
  esac
  BROKER_PID=$!
  wait_listening "$port" "$BROKER_PID"
}

stop_broker() {
  kill "$BROKER_PID" 2>/dev/null || true
  wait "$BROKER_PID" 2>/dev/null || true
  BROKER_PID=""
}

# name | midge bench arguments. The cold storm goes first, on the fresh broker: connects/s and
# memory of a broker that has not yet run its connect path. The second storm first opens and
# closes the same storm (its warm-up, at least once) and then measures, as the other scenarios
# measure after theirs.
SCENARIOS=(
  "storm-cold|storm --connections $CONNECTIONS --hold 5s --warmup 0s"
  "storm|storm --connections $CONNECTIONS --hold 5s"
  "fan-in-q0|fan-in -q 0"
  "fan-in-q1|fan-in -q 1"
  "fan-in-q2|fan-in -q 2"
  "fan-out-q0|fan-out -q 0"
  "pairs-q1|pairs -q 1"
  "paced-10k|fan-in -q 0 --rate 10000"
)

for run in $(seq 1 "$RUNS"); do
  for broker in $BROKERS; do
    port="$(free_port)"
    say "run $run/$RUNS: $broker on 127.0.0.1:$port"
    start_broker "$broker" "$port"
    for entry in "${SCENARIOS[@]}"; do
      name="${entry%%|*}"
      args="${entry#*|}"
      say "  $name"
      warmup=(--warmup "$WARMUP")
      [[ " $args " == *" --warmup "* ]] && warmup=()
      # shellcheck disable=SC2086
      if json="$(java -jar "$MIDGE_JAR" bench $args -p "$port" --broker-pid "$BROKER_PID" \
          --duration "$DURATION" "${warmup[@]}" --quiet 2>>"$OUT/bench-stderr.log")"; then
        printf '%s\t%s\t%s\t%s\n' "$broker" "$name" "$run" "$json" >> "$OUT/results.tsv"
      else
        say "  $name failed against $broker (see $OUT/bench-stderr.log)"
      fi
    done
    stop_broker
    cp "$WORK/$broker.log" "$OUT/$broker-run$run.log" 2>/dev/null || true
  done
done

python3 "$ROOT/bench/table.py" "$OUT/results.tsv" "$BROKERS" \
  "$(date -u +%Y-%m-%d), $(nproc) cores, $RUNS run(s) per broker, $DURATION per scenario after $WARMUP warm-up, 64 B payloads, one load generator (midge bench)" \
  | tee "$OUT/table.md"
