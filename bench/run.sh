#!/usr/bin/env bash
# bench/run.sh: builds the benchmark programs (bench/Makefile), runs each REPS times, and writes the
# medians as a Markdown table to bench/results/latest.md (and prints it); the raw lines go to
# bench/results/latest-raw.txt. With gnuplot installed it also draws bench/results/latest.svg.
# A library that is not installed is skipped with a message. `make bench` at the top runs this.
#
# Settings (environment): REPS (3), TIMERS (1000000), PIPES ("100 400 5000"), ACTIVE (10), WRITES (300000);
# for the deferred workload DREPS (5), DEFERREDS (1000000), CHAIN (100000). Its medians also go to
# bench/results/latest.tsv in DESIGN.md's results format (workload params loop metric value unit).
set -u
cd "$(dirname "$0")"

REPS=${REPS:-3}
TIMERS=${TIMERS:-1000000}
PIPES=${PIPES:-100 400 5000}
ACTIVE=${ACTIVE:-10}
WRITES=${WRITES:-300000}
LIBS_TIMERS=(reactor libevent libev libuv)
LIBS_PIPES=(epoll reactor libevent libev libuv)

make -s || { echo "bench: build failed" >&2; exit 1; }
mkdir -p results
raw=results/latest-raw.txt
: >"$raw"

hint() {
  case $1 in
    libevent) echo "apt-get install libevent-dev" ;;
    libev) echo "apt-get install libev-dev" ;;
    libuv) echo "apt-get install libuv1-dev" ;;
    epoll) echo "Linux only" ;;
    *) echo "" ;;
  esac
}

# run KIND ARGS...: runs KIND-LIB for every library, REPS rounds, appending their lines to $raw. The
# rounds are interleaved (each library once, then again), so that a slow spell of the machine is shared.
run() {
  local kind=$1 lib r libs
  shift
  if [ "$kind" = timers ]; then libs=("${LIBS_TIMERS[@]}"); else libs=("${LIBS_PIPES[@]}"); fi
  for lib in "${libs[@]}"; do
    [ -x "build/$kind-$lib" ] || echo "bench: skipping $kind-$lib: not built ($(hint "$lib"))" >&2
  done
  for ((r = 1; r <= REPS; r++)); do
    for lib in "${libs[@]}"; do
      [ -x "build/$kind-$lib" ] || continue
      # The reactor explains "n/a" (select's limit) on stderr: once is enough.
      if ! "build/$kind-$lib" "$@" >>"$raw" 2>"results/.stderr"; then
        echo "bench: $kind-$lib $* failed (run $r):" >&2
        cat results/.stderr >&2
      elif [ "$r" -eq 1 ]; then
        cat results/.stderr >&2
      fi
    done
  done
  rm -f results/.stderr
}

echo "bench: timers, count $TIMERS, $REPS runs each" >&2
run timers --count "$TIMERS"
for n in $PIPES; do
  echo "bench: pipes, $n pairs, $ACTIVE active, $WRITES writes, $REPS runs each" >&2
  run pipes --pipes "$n" --active "$ACTIVE" --writes "$WRITES"
done

# deferred: our Deferreds (the newest snapshot that has them) and Twisted's, interleaved.
DREPS=${DREPS:-5}
DEFERREDS=${DEFERREDS:-1000000}
CHAIN=${CHAIN:-100000}
draw=results/deferred-raw.tsv
: >"$draw"
have_twisted=no
/usr/bin/python3 -c 'import twisted.internet.defer' 2>/dev/null && have_twisted=yes
[ $have_twisted = yes ] || echo "bench: skipping deferred-twisted: no Twisted (apt-get install python3-twisted)" >&2
if [ -x build/deferred-reactor ]; then
  echo "bench: deferred, $DEFERREDS Deferreds with 3 pairs and a chain of $CHAIN, $DREPS runs each" >&2
  for ((r = 1; r <= DREPS; r++)); do
    build/deferred-reactor --count "$DEFERREDS" --chain "$CHAIN" >>"$draw" || echo "bench: deferred-reactor failed (run $r)" >&2
    if [ $have_twisted = yes ]; then
      /usr/bin/python3 deferred-twisted.py --count "$DEFERREDS" --chain "$CHAIN" >>"$draw" ||
        echo "bench: deferred-twisted failed (run $r)" >&2
    fi
  done
else
  echo "bench: skipping deferred-reactor: not built (no snapshot with deferred.h)" >&2
fi
{
  printf 'workload\tparams\tloop\tmetric\tvalue\tunit\n'
  awk -F'\t' '
    function median(s,   a, k, t, i, j) {
      k = split(s, a, " ")
      for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    { key = $1 "\t" $2 "\t" $3 "\t" $4; if (!(key in v)) { order[++n] = key; unit[key] = $6 } v[key] = v[key] " " $5 }
    END { for (i = 1; i <= n; i++) printf "%s\t%s\t%s\n", order[i], median(v[order[i]]), unit[order[i]] }' "$draw"
} >results/latest.tsv
deferred_dir=$(ls -d ../code/ch[0-9][0-9]/deferred.h 2>/dev/null | sort | tail -n 1 | xargs -r dirname)

version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)

{
  echo "# Benchmark results"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(uname -sr); ${cpu:-unknown CPU}, $(nproc) CPUs."
  echo "libevent $(version libevent-dev), libev $(version libev-dev), libuv $(version libuv1-dev);"
  echo "our reactor: code/ch05 (select()). Each cell is the median of $REPS runs (each column on its own)."
  echo "Produced by \`make bench\`; see bench/README.md for what the numbers mean."
  echo
  awk -v libs="${LIBS_TIMERS[*]}" '
    function median(s,   a, k, t, i, j) {       # s: space-separated numbers
      k = split(s, a, " ")
      for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    $1 == "timers" { n[$2] = $3; for (c = 4; c <= 8; c++) v[$2, c] = v[$2, c] " " $c; seen[$2] = 1 }
    END {
      nl = split(libs, L, " ")
      for (i = 1; i <= nl; i++) if (seen[L[i]]) { count = n[L[i]]; break }
      printf "## Timers: %s scheduled at random delays in [0, 1) s, half cancelled, the rest fired\n\n", count
      print "Seconds. `run` is wall time until the last timer fired (mostly waiting: the delays span 1 s);"
      print "`CPU` is the processor time of the whole process, the cost to compare. Ratio: CPU / libev CPU.\n"
      print "| library | schedule | cancel | run | total | CPU | CPU vs libev |"
      print "|---|---:|---:|---:|---:|---:|---:|"
      base = seen["libev"] ? median(v["libev", 8]) : 0
      for (i = 1; i <= nl; i++) {
        l = L[i]
        if (!seen[l]) { printf "| %s | skipped | | | | | |\n", l; continue }
        cpu = median(v[l, 8])
        printf "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %s |\n", l, median(v[l, 4]), median(v[l, 5]),
               median(v[l, 6]), median(v[l, 7]), cpu, (base > 0 ? sprintf("%.2f×", cpu / base) : "n/a")
      }
      print ""
    }' "$raw"

  awk -v libs="${LIBS_PIPES[*]}" '
    function median(s,   a, k, t, i, j) {
      k = split(s, a, " ")
      for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    $1 == "pipes" {
      w = $3 " " $4 " " $5
      if (!(w in wseen)) { wseen[w] = 1; order[++nw] = w }
      if ($7 == "n/a") na[w, $2] = 1; else us[w, $2] = us[w, $2] " " $7
    }
    END {
      nl = split(libs, L, " ")
      print "## Pipes: a chain of socket pairs (libevent'\''s bench)\n"
      print "Microseconds per event (one event = one byte read, and the next written), median; in brackets,"
      print "the ratio to the bare epoll loop (the floor). N pairs, A active chains, W writes.\n"
      printf "| N, A, W |"; for (i = 1; i <= nl; i++) printf " %s |", L[i]; print ""
      printf "|---|"; for (i = 1; i <= nl; i++) printf "---:|"; print ""
      for (k = 1; k <= nw; k++) {
        w = order[k]; split(w, p, " ")
        floor = (w, "epoll") in us ? median(us[w, "epoll"]) : 0
        printf "| %s, %s, %s |", p[1], p[2], p[3]
        for (i = 1; i <= nl; i++) {
          l = L[i]
          if ((w, l) in na) printf " n/a (select: FD_SETSIZE) |"
          else if (!((w, l) in us)) printf " skipped |"
          else { m = median(us[w, l]); printf " %.2f (%s) |", m, (floor > 0 ? sprintf("%.2f×", m / floor) : "n/a") }
        }
        print ""
      }
      print ""
    }' "$raw"
  awk -F'\t' -v dir="${deferred_dir#../}" -v reps="$DREPS" '
    NR > 1 && $1 == "deferred" {
      split($2, p, ","); w = p[1]
      v[w, $3, $4] = $5; seen[$3] = 1
      if (w == "fire") fire_n = substr(p[2], 3); else chain_n = substr(p[2], 3)
    }
    END {
      if (!seen["reactor"] && !seen["twisted"]) exit
      print "## Deferreds: firing, and chains of Deferreds returning Deferreds\n"
      printf "Ours: %s. `fire`: %s Deferreds, each with three callback pairs, fired and freed.\n", dir, fire_n
      printf "`chain`: a chain of %s Deferreds, each one'"'"'s callback returning the next, unfired; all made,\n", chain_n
      print "then fired in turn. Nanoseconds per callback run; bytes per Deferred with three pairs, as requested"
      printf "from malloc (counted by wrapping it) and as malloc gave (malloc_usable_size); Twisted'"'"'s from tracemalloc. Median of %s runs.\n\n", reps
      print "| loop | fire ns/callback | chain ns/callback | bytes per Deferred | usable bytes |"
      print "|---|---:|---:|---:|---:|"
      split("reactor twisted", L, " ")
      for (i = 1; i <= 2; i++) {
        l = L[i]
        if (!seen[l]) { printf "| %s | skipped | | | |\n", l; continue }
        printf "| %s | %s | %s | %s | %s |\n", l, v["fire", l, "ns_per_callback"], v["chain", l, "ns_per_callback"],
               v["fire", l, "bytes_per_deferred"], ((("fire", l, "usable_bytes_per_deferred") in v) ? v["fire", l, "usable_bytes_per_deferred"] : "—")
      }
      if (seen["reactor"] && seen["twisted"] && v["fire", "reactor", "ns_per_callback"] > 0)
        printf "\nTwisted / ours, per callback: fire %.0f×, chain %.0f×.\n", v["fire", "twisted", "ns_per_callback"] / v["fire", "reactor", "ns_per_callback"],
               v["chain", "twisted", "ns_per_callback"] / v["chain", "reactor", "ns_per_callback"]
      print ""
    }' results/latest.tsv
} >results/latest.md

cat results/latest.md

if command -v gnuplot >/dev/null 2>&1; then
  # One group of bars per pipes workload: microseconds per event, by library.
  awk '$1 == "pipes" && $7 != "n/a" { k = $3 "," $4 "," $5; s[k, $2] = s[k, $2] " " $7; if (!(k in K)) { K[k] = 1; o[++n] = k } }
       END {
         split("epoll reactor libevent libev libuv", L, " ")
         printf "N"; for (i = 1; i <= 5; i++) printf "\t%s", L[i]; print ""
         for (j = 1; j <= n; j++) {
           printf "%s", o[j]
           for (i = 1; i <= 5; i++) {
             c = split(s[o[j], L[i]], a, " ")
             if (c == 0) { printf "\t-"; continue }
             for (x = 2; x <= c; x++) { t = a[x]; for (y = x - 1; y >= 1 && a[y] + 0 > t + 0; y--) a[y + 1] = a[y]; a[y + 1] = t }
             printf "\t%s", (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
           }
           print ""
         }
       }' "$raw" >results/pipes.dat
  gnuplot <<'GP' && echo "bench: plot in bench/results/latest.svg" >&2
set terminal svg size 800,450 dynamic font "sans,12"
set output "results/latest.svg"
set title "Pipe chain: microseconds per event (lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing "-"
set key top left
set ylabel "µs per event"
set xlabel "N pairs, A active, W writes"
set yrange [0:*]
plot for [c=2:6] "results/pipes.dat" using c:xtic(1) title columnheader
GP
else
  echo "bench: gnuplot not installed, no plot (apt-get install gnuplot-nox for bench/results/latest.svg)" >&2
fi
