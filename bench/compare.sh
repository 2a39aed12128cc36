#!/usr/bin/env bash
# bench/compare.sh: chapter 7's comparison, what `make bench` runs. Builds the programs (bench/Makefile;
# our reactor is the newest snapshot with backends), runs every workload on every loop REPS times,
# interleaved (each loop once, then again, so that a slow spell of the machine is shared), and writes:
#   results/latest.tsv       one row per measurement, the median of the repetitions:
#                            workload params loop metric value unit
#   results/latest-raw.tsv   the same with every repetition (a last column, rep)
#   results/latest.md        the table (printed too): medians, ratios to the reference and their spread
#   results/machine.txt      the machine and the versions
#   results/pipes-by-n.svg   cost per event against N, one line per loop (with gnuplot)
# QUICK=1: a rough table in about a minute (3 repetitions, smaller sizes). Settings: REPS, TIMERS,
# PIPES ("100 1000 MAX"), ACTIVE (100), WRITES ("1000 100000"), CONNS ("100 1000 MAX"), TCP_MS (1500,
# the client's measuring time per run), DEFERREDS (1000000) and CHAIN (100000) for chapter 6's Deferreds,
# THREAD_CALLS (1000000; Twisted's runs a tenth), THREAD_PINGS (2000) for chapter 9's calls from threads,
# TWISTED=0 to leave Twisted out.
set -u
cd "$(dirname "$0")"

if [ "${QUICK:-0}" = 1 ]; then
  REPS=${REPS:-3} TIMERS=${TIMERS:-200000} PIPES=${PIPES:-100 1000} WRITES=${WRITES:-1000 20000}
  CONNS=${CONNS:-100 1000} TCP_MS=${TCP_MS:-300} DEFERREDS=${DEFERREDS:-200000} CHAIN=${CHAIN:-20000}
  THREAD_CALLS=${THREAD_CALLS:-200000} THREAD_PINGS=${THREAD_PINGS:-500}
else
  REPS=${REPS:-5} TIMERS=${TIMERS:-1000000} PIPES=${PIPES:-100 1000 MAX} WRITES=${WRITES:-1000 100000}
  CONNS=${CONNS:-100 1000 MAX} TCP_MS=${TCP_MS:-1500} DEFERREDS=${DEFERREDS:-1000000} CHAIN=${CHAIN:-100000}
  THREAD_CALLS=${THREAD_CALLS:-1000000} THREAD_PINGS=${THREAD_PINGS:-2000}
fi
ACTIVE=${ACTIVE:-100}
PY=/usr/bin/python3
TWISTED=${TWISTED:-1}
if [ "$TWISTED" = 1 ] && ! "$PY" -c 'import twisted' 2>/dev/null; then
  echo "bench: Twisted left out: python3-twisted is not installed (apt-get install python3-twisted)" >&2
  TWISTED=0
fi

make -s || { echo "bench: build failed" >&2; exit 1; }
# The snapshot the Makefile chose (the newest with backends), named in the results.
reactor_dir=$(for f in ../code/ch*/backend.h; do [ -f "$f" ] && dirname "$f"; done | sort | tail -n 1)
reactor_dir=${REACTOR_DIR:-${reactor_dir:-../code/ch05}}
reactor_dir=code/${reactor_dir##*/}
mkdir -p results
raw=results/latest-raw.tsv
printf 'workload\tparams\tloop\tmetric\tvalue\tunit\trep\n' >"$raw"

# The largest N the descriptor limit allows: two fds a pair, and some spare.
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=20000
max_pairs=$(( (hard - 200) / 2 ))
[ "$max_pairs" -gt 9900 ] && max_pairs=9900
# Connections: each side has its own limit, but the listen backlog (SOMAXCONN) bounds a burst of connects.
max_conns=$(( hard - 200 ))
somaxconn=$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo 4096)
[ "$max_conns" -gt "$somaxconn" ] && max_conns=$somaxconn

backends=()
for b in select poll epoll; do
  REACTOR_BACKEND=$b build/pipes-reactor --pipes 1 --active 1 --writes 1 >/dev/null 2>&1 && backends+=("$b")
done

# pipes_loops: "LOOP COMMAND..." lines for the loops that are built.
pipes_loops() {
  [ -x build/pipes-epoll ] && echo "raw-epoll build/pipes-epoll"
  for b in "${backends[@]}"; do echo "reactor-$b env REACTOR_BACKEND=$b build/pipes-reactor"; done
  for l in libevent libev libuv; do [ -x "build/pipes-$l" ] && echo "$l build/pipes-$l"; done
  [ "$TWISTED" = 1 ] && echo "twisted $PY pipes-twisted.py"
}
timers_loops() {
  [ -x build/timers-reactor ] && echo "reactor-${backends[-1]} env REACTOR_BACKEND=${backends[-1]} build/timers-reactor"
  for l in libevent libev libuv; do [ -x "build/timers-$l" ] && echo "$l build/timers-$l"; done
  [ "$TWISTED" = 1 ] && echo "twisted $PY timers-twisted.py"
}

# record WORKLOAD PARAMS LOOP REP LINE: turns one program's output line into rows of $raw.
record() {
  local workload=$1 params=$2 loop=$3 rep=$4
  shift 4
  # shellcheck disable=SC2086
  set -- $*
  if [ "$workload" = pipes ]; then
    [ "${7:-n/a}" = n/a ] && return
    printf 'pipes\t%s\t%s\tns_per_event\t%s\tns\t%s\n' "$params" "$loop" "$(awk -v v="$7" 'BEGIN{printf "%.1f", v*1000}')" "$rep"
    [ "${8:--1}" != -1 ] && printf 'pipes\t%s\t%s\tsetup_us\t%s\tus\t%s\n' "$params" "$loop" "$8" "$rep"
  else
    printf 'timers\t%s\t%s\tschedule_ms\t%s\tms\t%s\n' "$params" "$loop" "$(awk -v v="$4" 'BEGIN{printf "%.1f", v*1000}')" "$rep"
    case $params in *cancel=half*)
      printf 'timers\t%s\t%s\tcancel_ms\t%s\tms\t%s\n' "$params" "$loop" "$(awk -v v="$5" 'BEGIN{printf "%.1f", v*1000}')" "$rep" ;;
    esac
    printf 'timers\t%s\t%s\trun_cpu_ms\t%s\tms\t%s\n' "$params" "$loop" "$(awk -v v="${9:-$8}" 'BEGIN{printf "%.1f", v*1000}')" "$rep"
  fi
}

# measure WORKLOAD PARAMS LOOPS-FUNCTION ARGS...: REPS interleaved rounds of every loop.
measure() {
  local workload=$1 params=$2 loops=$3 r loop cmd line
  shift 3
  echo "bench: $workload $params, $REPS rounds" >&2
  for ((r = 1; r <= REPS; r++)); do
    while read -r loop cmd; do
      # shellcheck disable=SC2086
      if line=$(timeout 300 $cmd "$@" 2>results/.stderr | tail -n 1) && [ -n "$line" ]; then
        record "$workload" "$params" "$loop" "$r" "$line" >>"$raw"
      else
        echo "bench: $loop failed on $workload $params:" >&2
        cat results/.stderr >&2
      fi
    done < <("$loops")
  done
  rm -f results/.stderr
}

for n in $PIPES; do
  [ "$n" = MAX ] && n=$max_pairs
  for w in $WRITES; do
    measure pipes "N=$n,A=$ACTIVE,W=$w" pipes_loops --pipes "$n" --active "$ACTIVE" --writes "$w"
  done
done
measure timers "n=$TIMERS" timers_loops --count "$TIMERS" --cancel 0
measure timers "n=$TIMERS,cancel=half" timers_loops --count "$TIMERS" --cancel 1

# >> tcp
# TCP over loopback: one load client (tcp-client, bare epoll) against an echo server on each loop, in
# its own process. pingpong: one connection, 64-byte messages; conns: C connections, 32 bytes each.
tcp_loops() {
  [ -x build/echo-epoll ] && echo "raw-epoll build/echo-epoll"
  for b in "${backends[@]}"; do
    [ "$b" = select ] && [ "$TCP_CONNS" -gt 400 ] && continue # beyond FD_SETSIZE: the server resets them
    [ -x build/echo-reactor ] && echo "reactor-$b env REACTOR_BACKEND=$b build/echo-reactor"
  done
  for l in libevent libev libuv; do [ -x "build/echo-$l" ] && echo "$l build/echo-$l"; done
  [ "$TWISTED" = 1 ] && echo "twisted $PY echo-twisted.py"
}

# tcp_round PARAMS METRIC CONNS SIZE REP WORKLOAD: one round of every server.
tcp_round() {
  local params=$1 metric=$2 rep=$5 loop cmd pid port line i
  TCP_CONNS=$3
  while read -r loop cmd; do
    local attempt ok=0
    # A second attempt, on a new server: a refused connect to a server that printed its port has been
    # seen now and then here (the message says whether that server was still running).
    for attempt in 1 2; do
      # shellcheck disable=SC2086
      $cmd >results/.server 2>&1 &
      pid=$!
      port=
      for ((i = 0; i < 100; i++)); do
        port=$(awk '/^port [0-9]+$/ {print $2; exit}' results/.server)
        [ -n "$port" ] && break
        sleep 0.05
      done
      if [ -n "$port" ] && line=$(timeout 60 build/tcp-client --port "$port" --conns "$3" --size "$4" --ms "$TCP_MS" 2>results/.stderr); then
        printf '%s\t%s\t%s\t%s\t%s\t1/s\t%s\n' "$6" "$params" "$loop" "$metric" "$(awk '{print $6}' <<<"$line")" \
          "$rep" >>"$raw"
        ok=1
      else
        echo "bench: $loop failed on $6 $params (attempt $attempt; server $(kill -0 "$pid" 2>/dev/null && echo running || echo gone)):" >&2
        cat results/.stderr results/.server >&2 2>/dev/null
      fi
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      [ $ok = 1 ] && break
    done
  done < <(tcp_loops)
  rm -f results/.server results/.stderr
}

if [ -x build/tcp-client ]; then
  echo "bench: tcp pingpong and conns, $REPS rounds" >&2
  for ((r = 1; r <= REPS; r++)); do
    tcp_round "C=1,size=64" roundtrips_per_s 1 64 "$r" pingpong
    for cn in $CONNS; do
      [ "$cn" = MAX ] && cn=$max_conns
      tcp_round "C=$cn,size=32" requests_per_s "$cn" 32 "$r" conns
    done
  done
fi
# << tcp

# Deferreds (chapter 6): ours, from the newest snapshot that has deferred.h (bench/Makefile picks it),
# beside Twisted's: DEFERREDS Deferreds with three callback pairs fired, and a chain of CHAIN Deferreds
# each returned by the previous one's callback. Both programs print rows in the results format.
if [ -x build/deferred-reactor ]; then
  echo "bench: deferred, $DEFERREDS Deferreds with 3 pairs and a chain of $CHAIN, $REPS rounds" >&2
  for ((r = 1; r <= REPS; r++)); do
    build/deferred-reactor --count "$DEFERREDS" --chain "$CHAIN" | awk -v r="$r" '{print $0 "\t" r}' >>"$raw" ||
      echo "bench: deferred-reactor failed (round $r)" >&2
    if [ "$TWISTED" = 1 ]; then
      "$PY" deferred-twisted.py --count "$DEFERREDS" --chain "$CHAIN" | awk -v r="$r" '{print $0 "\t" r}' >>"$raw" ||
        echo "bench: deferred-twisted failed (round $r)" >&2
    fi
  done
fi

# >> threads
# Calls from threads (chapter 9): ours (the newest snapshot with reactor_threads.h), libuv's
# uv_async_send with a queue of the bench's own, and Twisted's callFromThread; from 1 and 4 threads,
# and the wake-up latency of one call. Each program prints rows in the results format.
threads_loops() {
  [ -x build/threads-reactor ] && echo "reactor build/threads-reactor"
  [ -x build/threads-libuv ] && echo "libuv build/threads-libuv"
  [ "$TWISTED" = 1 ] && echo "twisted $PY threads-twisted.py"
}
if [ -x build/threads-reactor ]; then
  echo "bench: threads, $THREAD_CALLS calls from 1 and 4 threads, $THREAD_PINGS single calls, $REPS rounds" >&2
  for ((r = 1; r <= REPS; r++)); do
    while read -r loop cmd; do
      calls=$THREAD_CALLS
      [ "$loop" = twisted ] && calls=$((THREAD_CALLS / 10))
      for run in "--threads 1 --calls $calls" "--threads 4 --calls $calls" "--pings $THREAD_PINGS"; do
        # shellcheck disable=SC2086
        timeout 300 $cmd $run 2>results/.stderr | awk -v r="$r" '{print $0 "\t" r}' >>"$raw" ||
          { echo "bench: $loop failed on threads $run (round $r):" >&2; cat results/.stderr >&2; }
      done
    done < <(threads_loops)
  done
  rm -f results/.stderr
fi
# << threads

# >> medians
# The medians, and for the table each loop's ratio to the reference, rep by rep (min-max).
awk -F'\t' -v OFS='\t' '
  function sort(a, k,   i, j, t) { for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t } }
  function median(s,   a, k) { k = split(s, a, " "); sort(a, k); return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
  NR == 1 { next }
  { key = $1 OFS $2 OFS $3 OFS $4; if (!(key in v)) { order[++n] = key; unit[key] = $6 } v[key] = v[key] " " $5 }
  END { print "workload", "params", "loop", "metric", "value", "unit"; for (i = 1; i <= n; i++) print order[i], median(v[order[i]]), unit[order[i]] }
' "$raw" >results/latest.tsv
# << medians

# >> summary
# The chapter's targets, as ratios of medians (results/summary.txt, which chapter 7 shows).
awk -F'\t' '
  NR > 1 { v[$1, $2, $3, $4] = $5; if ($1 == "pipes") { split($2, kv, ","); n = substr(kv[1], 3) + 0; if (n > maxn) maxn = n } }
  function ratio(w, p, a, b, m) {
    if (!((w, p, a, m) in v) || !((w, p, b, m) in v) || v[w, p, b, m] == 0) return "n/a"
    return sprintf("%.2fx", v[w, p, a, m] / v[w, p, b, m])
  }
  function line(label, w, p, m, a, b) { printf "%-44s %-14s %s vs %s\n", label, ratio(w, p, a, b, m), a, b }
  END {
    p = "N=1000,A=100,W=100000"; if (!(("pipes", p, "raw-epoll", "ns_per_event") in v)) p = "N=1000,A=100,W=20000"
    print "ratio of medians; below 1.00x the first is faster"
    line("pipes " p ", per event", "pipes", p, "ns_per_event", "reactor-epoll", "raw-epoll")
    line("", "pipes", p, "ns_per_event", "reactor-epoll", "libevent")
    line("", "pipes", p, "ns_per_event", "reactor-poll", "reactor-epoll")
    line("", "pipes", p, "ns_per_event", "twisted", "reactor-epoll")
    q = "N=" maxn ",A=100,W=" (p ~ /W=100000/ ? "100000" : "20000")
    line("pipes " q ", per event", "pipes", q, "ns_per_event", "reactor-poll", "reactor-epoll")
    line("pipes " q ", re-registering", "pipes", q, "setup_us", "reactor-epoll", "libev")
    for (t in v) { split(t, k, SUBSEP); if (k[1] == "timers" && k[2] ~ /cancel=half/) h = k[2] }
    line("timers " h ", schedule", "timers", h, "schedule_ms", "reactor-epoll", "libev")
    line("timers " h ", cancel", "timers", h, "cancel_ms", "reactor-epoll", "libev")
    line("timers " h ", run (CPU)", "timers", h, "run_cpu_ms", "reactor-epoll", "libev")
    line("", "timers", h, "run_cpu_ms", "reactor-epoll", "libevent")
    line("", "timers", h, "run_cpu_ms", "reactor-epoll", "libuv")
    line("", "timers", h, "run_cpu_ms", "twisted", "reactor-epoll")
    print "TCP rates: above 1.00x the first is faster"
    line("pingpong C=1,size=64", "pingpong", "C=1,size=64", "roundtrips_per_s", "reactor-epoll", "libevent")
    line("conns C=1000,size=32", "conns", "C=1000,size=32", "requests_per_s", "reactor-epoll", "libevent")
    print "calls from threads: rates above 1.00x the first is faster; latency below 1.00x"
    line("threads threads=1, calls per second", "threads", "threads=1", "calls_per_s", "reactor", "libuv")
    line("threads threads=4, calls per second", "threads", "threads=4", "calls_per_s", "reactor", "libuv")
    line("", "threads", "threads=4", "calls_per_s", "reactor", "twisted")
    line("threads latency, median wake-up", "threads", "latency", "wakeup_us_p50", "reactor", "libuv")
    line("threads latency, 99th percentile", "threads", "latency", "wakeup_us_p99", "reactor", "libuv")
    for (t = 1; t <= 4; t += 3) if (("threads", "threads=" t, "reactor", "wakeups_per_call") in v)
      printf "%-44s %.4f (reactor), %s (twisted)\n", "threads threads=" t ", wake-ups per call", v["threads", "threads=" t, "reactor", "wakeups_per_call"], (("threads", "threads=" t, "twisted", "wakeups_per_call") in v) ? v["threads", "threads=" t, "twisted", "wakeups_per_call"] : "n/a"
  }' results/latest.tsv >results/summary.txt
# << summary

version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)
{
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(uname -sr); ${cpu:-unknown CPU}, $(nproc) CPUs; descriptor limit $hard."
  echo "libevent $(version libevent-dev), libev $(version libev-dev), libuv $(version libuv1-dev), Twisted $(version python3-twisted);"
  echo "our reactor: $reactor_dir, backends ${backends[*]}. Medians of $REPS interleaved runs."
} >results/machine.txt

{
  echo "# Benchmark results"
  echo
  cat results/machine.txt
  echo "Produced by \`make bench\` (bench/compare.sh); see bench/README.md for what the numbers mean."
  echo
  echo "Each cell: the median, then in brackets its ratio to the reference (raw-epoll for pipes and TCP,"
  echo "libev for timers) and the range of that ratio over the runs. Times: below 1.00 is faster; TCP rates"
  echo "(per second): above 1.00 is faster."
  awk -F'\t' '
    function sort(a, k,   i, j, t) { for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t } }
    function median(s,   a, k) { k = split(s, a, " "); sort(a, k); return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
    NR == 1 { next }
    {
      t = $1 " " $4; p = $1 SUBSEP $2 SUBSEP $4
      if (!(t in tseen)) { tseen[t] = 1; tables[++nt] = t; tunit[t] = $6 }
      if (!((t, $2) in pseen)) { pseen[t, $2] = 1; rows[t, ++nrow[t]] = $2 }
      if (!((t, $3) in lseen)) { lseen[t, $3] = 1; cols[t, ++ncol[t]] = $3 }
      val[p, $3, $7] = $5; vals[p, $3] = vals[p, $3] " " $5; reps[p, $7] = 1
    }
    END {
      for (i = 1; i <= nt; i++) {
        t = tables[i]; split(t, tw, " "); ref = tw[1] == "pipes" || tw[1] == "pingpong" || tw[1] == "conns" ? "raw-epoll" : tw[1] == "threads" ? "libuv" : "libev"
        printf "\n## %s: %s (%s)\n\n| params |", tw[1], tw[2], tunit[t]
        for (c = 1; c <= ncol[t]; c++) printf " %s |", cols[t, c]
        printf "\n|---|"; for (c = 1; c <= ncol[t]; c++) printf "---:|"; print ""
        for (r = 1; r <= nrow[t]; r++) {
          p = tw[1] SUBSEP rows[t, r] SUBSEP tw[2]
          printf "| %s |", rows[t, r]
          for (c = 1; c <= ncol[t]; c++) {
            l = cols[t, c]
            if (!((p, l) in vals)) { printf " n/a |"; continue }
            m = median(vals[p, l]); lo = ""; hi = ""; rm = ""
            if ((p, ref) in vals && l != ref) {
              rs = ""
              for (k = 1; k <= 99; k++) if ((p, l, k) in val && (p, ref, k) in val && val[p, ref, k] > 0) {
                q = val[p, l, k] / val[p, ref, k]; rs = rs " " q
                if (lo == "" || q < lo) lo = q; if (hi == "" || q > hi) hi = q
              }
              if (rs != "") rm = sprintf(" (%.2f× %.2f–%.2f)", median(rs), lo, hi)
            }
            printf " %s%s |", m, rm
          }
          print ""
        }
      }
    }' "$raw"
} >results/latest.md
cat results/latest.md
echo; cat results/summary.txt

if command -v gnuplot >/dev/null 2>&1; then
  # Cost per event against N for the largest W, one column per loop.
  wmax=$(for w in $WRITES; do echo "$w"; done | sort -n | tail -n 1)
  awk -F'\t' -v w="W=$wmax" '
    NR > 1 && $1 == "pipes" && $4 == "ns_per_event" && index($2, w) {
      split($2, kv, ","); n = substr(kv[1], 3) + 0
      if (!(n in ns)) { ns[n] = 1; order[++nn] = n }
      if (!($3 in ls)) { ls[$3] = 1; loops[++nl] = $3 }
      v[n, $3] = $5
    }
    END {
      printf "N"; for (j = 1; j <= nl; j++) printf "\t%s", loops[j]; print ""
      for (i = 1; i <= nn; i++) { printf "%d", order[i]; for (j = 1; j <= nl; j++) printf "\t%s", ((order[i], loops[j]) in v) ? v[order[i], loops[j]] : "-"; print "" }
    }' results/latest.tsv >results/pipes-by-n.dat
  ncols=$(head -n 1 results/pipes-by-n.dat | awk -F'\t' '{print NF}')
  gnuplot <<GP && echo "bench: plot in bench/results/pipes-by-n.svg" >&2
set terminal svg size 680,460 dynamic font "sans,15"
set output "results/pipes-by-n.svg"
set title "Pipe chain, A=$ACTIVE, W=$wmax: ns per event by N (lower is better)"
set datafile separator "\t"
set datafile missing "-"
set logscale x
set key outside right top font "sans,14"
set xlabel "N socket pairs (log scale)"
set ylabel "ns per event"
set yrange [0:*]
set grid ytics
plot for [c=2:$ncols] "results/pipes-by-n.dat" using 1:c title columnheader with linespoints lw 2 pt 7
GP
else
  echo "bench: gnuplot not installed, no plot (apt-get install gnuplot-nox)" >&2
fi
