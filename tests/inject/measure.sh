#!/usr/bin/env bash
# Numbers for docs/PERFORMANCE.md, "Stub and helper". Usage:
#   tests/inject/measure.sh BUILD_DIR [RUNS]
set -euo pipefail
b=$1 runs=${2:-101}
m=$b/tests/inject/inj_measure lib=$b/inject/libremora.so probe=$b/tests/inject/inj_probe
stats() { sort -n | awk '{a[NR]=$1} END {printf "median %.1f  p10 %.1f  p90 %.1f  min %.1f  max %.1f  (n=%d)\n",
    a[int(NR/2)+1], a[int(NR*0.1)+1], a[int(NR*0.9)+1], a[1], a[NR], NR}'; }
us() { awk '{print $1/1000}'; }
echo "dlopen(libremora) with REMORA_DISABLE=1 (load only), us:"
for i in $(seq $runs); do REMORA_DISABLE=1 $m ctor $lib; done | us | stats
echo "dlopen(libremora), no consumer (load + constructor), us:"
for i in $(seq $runs); do REMORA_SOCKET=/nonexistent/s $m ctor $lib; done | us | stats
echo "dlopen start -> helper HELLO at a listening consumer, us:"
for i in $(seq $runs); do $m ready $lib; done | us | stats
cpu() { # helper utime+stime ticks over 10 s
    local h=$1; sleep 0.5
    local a=$(awk '{print $14+$15}' /proc/$h/stat); sleep 10
    local z=$(awk '{print $14+$15}' /proc/$h/stat); echo $((z - a))
}
echo "helper CPU over 10 s, no consumer (ticks of $(getconf CLK_TCK) Hz):"
for i in 1 2 3; do
    exec 3> >(REMORA_SOCKET=/nonexistent/s $probe hold >/tmp/measure.$$ ; :)
    sleep 0.3; h=$(awk '{print $2}' /tmp/measure.$$); cpu $h; exec 3>&-; sleep 0.3
done
echo "helper CPU over 10 s, with remora record as consumer:"
for i in 1 2 3; do
    exec 3> >($b/ctl/remora record -o /tmp/measure-trace.$$ -- $probe hold >/tmp/measure.$$ 2>/dev/null; :)
    sleep 0.5; h=$(awk '{print $2}' /tmp/measure.$$); cpu $h; exec 3>&-; sleep 1.5; rm -rf /tmp/measure-trace.$$
done
rm -f /tmp/measure.$$
