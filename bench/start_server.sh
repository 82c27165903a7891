# Sourced by the bench scripts that drive `nudge serve`.
#
# start_server ARGS...: starts "$NUDGE" serve --rules rules --addr
# 127.0.0.1:0 ARGS... in the background, its stdout and stderr in
# $DATA/serve.out and $DATA/serve.log; sets SERVER (its pid, stopped with
# SIGTERM when the script exits) and URL (http://HOST:PORT) once it says
# where it listens, or exits with its log.
start_server() {
  "$NUDGE" serve --rules rules --addr 127.0.0.1:0 "$@" > "$DATA/serve.out" 2> "$DATA/serve.log" &
  SERVER=$!
  trap 'kill -TERM $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    grep -q '^listening on ' "$DATA/serve.out" 2>/dev/null && break
    sleep 0.1
  done
  URL=$(sed -n 's/^listening on //p' "$DATA/serve.out")
  [ -n "$URL" ] || { echo "the server did not start:" >&2; cat "$DATA/serve.log" >&2; exit 1; }
}
