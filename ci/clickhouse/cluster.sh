#!/usr/bin/env bash
# The two-shard ClickHouse cluster the store tests use, on loopback ports.
#   ci/clickhouse/cluster.sh start [DIR]   start both servers (state under DIR), wait until they answer
#   ci/clickhouse/cluster.sh stop  [DIR]   stop both and wait until they are gone
#   ci/clickhouse/cluster.sh stop-shard N / start-shard N [DIR]   (fault tests)
# Ports: HTTP 18123/18124, native 19000/19001, interserver 19009/19010, all moved up by
# HUNTBENCH_CH_PORT_OFFSET (the fault tests run a cluster of their own beside CI's). The store
# URL is then clickhouse://127.0.0.1:18123/DB?cluster=huntbench_two_shards
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:-}"
case "$cmd" in
  stop-shard|start-shard) shard="${2:?shard number}"; root="${3:-${TMPDIR:-/tmp}/huntbench-clickhouse}" ;;
  *) root="${2:-${TMPDIR:-/tmp}/huntbench-clickhouse}" ;;
esac
server_bin() {
  if command -v clickhouse-server >/dev/null 2>&1; then echo clickhouse-server;
  elif command -v clickhouse >/dev/null 2>&1; then echo "clickhouse server";
  else echo "clickhouse-server not found" >&2; exit 3; fi
}
off="${HUNTBENCH_CH_PORT_OFFSET:-0}"
http_of() { echo $((18122 + off + $1)); }
tcp_of() { echo $((18999 + off + $1)); }
inter_of() { echo $((19008 + off + $1)); }

start_one() {
  local n="$1" dir="$root/s$1"
  mkdir -p "$dir/log" "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
  sed -e "s#@N@#$n#g" -e "s#@HTTP@#$(http_of "$n")#g" -e "s#@TCP@#$(tcp_of "$n")#g" \
      -e "s#@INTER@#$(inter_of "$n")#g" -e "s#@DIR@#$dir#g" \
      -e "s#@TCP1@#$(tcp_of 1)#g" -e "s#@TCP2@#$(tcp_of 2)#g" \
      "$here/server.xml.in" > "$dir/config.xml"
  cp "$here/users.xml" "$dir/users.xml"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then return 0; fi
  # shellcheck disable=SC2046
  (cd "$dir" && exec $(server_bin) --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1) &
  echo $! > "$dir/pid"
}
wait_one() {
  local n="$1" port; port=$(http_of "$1")
  for _ in $(seq 1 120); do
    if [ "$(curl -s "http://127.0.0.1:$port/ping" 2>/dev/null)" = "Ok." ]; then return 0; fi
    sleep 0.5
  done
  echo "clickhouse shard $n did not answer on 127.0.0.1:$port; its log:" >&2
  tail -20 "$root/s$n/log/error.log" "$root/s$n/log/stdout.log" >&2 2>/dev/null || true
  return 1
}
stop_one() {
  local n="$1" dir="$root/s$1"
  [ -f "$dir/pid" ] || return 0
  local pid; pid="$(cat "$dir/pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/pid"
}
case "$cmd" in
  start) start_one 1; start_one 2; wait_one 1; wait_one 2
         echo "clickhouse cluster up: http 127.0.0.1:$(http_of 1) and :$(http_of 2) ($root)" ;;
  stop) stop_one 1; stop_one 2; echo "clickhouse cluster stopped ($root)" ;;
  start-shard) start_one "$shard"; wait_one "$shard" ;;
  stop-shard) stop_one "$shard" ;;
  *) echo "usage: $0 start|stop [DIR] | start-shard|stop-shard N [DIR]" >&2; exit 2 ;;
esac
