#!/usr/bin/env bash
# The real node's lock holder and janitor (started detached by test/support/real-node.ts).
# Bridges, iptables chains and /var/log/containers are host-global, so one real node runs on this
# machine at a time: this process takes an flock, sweeps what earlier runs left behind (a SIGKILLed
# run never cleaned up), says so, then waits for the run's process to die (or SIGUSR1 = "stop
# now") and removes everything the run made: processes, pod cgroups, mounts (overlays, netns,
# secret tmpfs), the bridge and its veths, iptables/ip6tables chains, log links, the run directory.
# Usage: real-node-cleaner.sh <run pid> <run dir> <lock file>  (<run dir>/.owner holds <run pid>)
set -u
parent=$1
own_dir=$2
lock=$3
prefix=/tmp/alma-rn-

log() { echo "cleaner[$$] $(date -u +%H:%M:%S) $*"; }

kill_by_cmdline() { # every process whose command line mentions $1 (but not us or the run)
  local dir=$1 pid
  for pid in $(grep -lsF -- "$dir" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    [ "$pid" = "$$" ] || [ "$pid" = "$parent" ] || [ "$pid" = "$BASHPID" ] && continue
    kill -KILL "$pid" 2>/dev/null
  done
}

empty_cgroups() { # kill what runs in the run's pod cgroups, then remove them (deepest first)
  local id=$1 dir tries
  for tries in 1 2 3 4 5 6 7 8 9 10; do
    local left=0
    for dir in /sys/fs/cgroup/*/"$id"; do
      [ -d "$dir" ] || continue
      while read -r pid; do
        [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && left=1
      done < <(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)
    done
    [ $left = 0 ] && break
    sleep 0.5
  done
  for dir in /sys/fs/cgroup/*/"$id"; do
    [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
  done
}

unmount_under() { # every mount point under $1, deepest first
  local dir=$1 m
  for _ in 1 2 3; do
    local found=0
    while read -r m; do
      found=1
      umount -l "$m" 2>/dev/null || umount -f "$m" 2>/dev/null
    done < <(awk -v d="$dir" 'index($5, d) == 1 { print length($5) " " $5 }' /proc/self/mountinfo |
      sort -rn | cut -d' ' -f2-)
    [ $found = 0 ] && break
  done
}

sweep_iptables() { # the chains kube-proxy and the kubelet make (KUBE-*), and CNI's (CNI-*)
  local ipt t rules chains
  for ipt in iptables ip6tables; do
    command -v $ipt-restore >/dev/null || continue
    for t in filter nat mangle raw; do
      rules=$($ipt -w -t $t -S 2>/dev/null) || continue
      chains=$(awk '$1 == "-N" && $2 ~ /^(KUBE-|CNI-)/ { print $2 }' <<<"$rules")
      [ -n "$chains" ] || grep -qE -- '-j (KUBE-|CNI-)' <<<"$rules" || continue
      # One iptables-restore per table (each iptables call costs a full ruleset round trip).
      {
        echo "*$t"
        grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j (KUBE-|CNI-)' <<<"$rules" | sed 's/^-A/-D/'
        for c in $chains; do echo "-F $c"; done
        for c in $chains; do echo "-X $c"; done
        echo COMMIT
      } | $ipt-restore -w --noflush 2>&1 | sed "s/^/$ipt-restore -t $t: /"
    done
  done
  if command -v nft >/dev/null; then
    for fam in ip ip6; do nft delete table $fam kube-proxy 2>/dev/null; done
  fi
}

sweep_run() { # one run's leftovers, by its directory /tmp/alma-rn-<id>
  local dir=$1 id
  id=$(basename "$dir")
  log "sweeping $dir"
  kill_by_cmdline "$dir"
  empty_cgroups "$id"
  kill_by_cmdline "$dir"
  log "processes gone"
  unmount_under "$dir"
  log "unmounted"
  local bridge="arn${id#alma-rn-}"
  for veth in $(ip -o link show master "$bridge" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
    ip link del "$veth" 2>/dev/null
  done
  ip link del "$bridge" 2>/dev/null
  for link in /var/log/containers/*.log; do
    [ -L "$link" ] && case "$(readlink "$link")" in "$dir"/*) rm -f "$link" ;; esac
  done
  rm -rf --one-file-system "$dir"
}

exec 9>"$lock"
log "waiting for the real-node lock $lock"
flock 9
log "lock taken"
owner_gone() { # a run directory whose test process no longer lives (another waiting run's lives)
  local owner
  owner=$(cat "$1/.owner" 2>/dev/null) || return 0
  ! kill -0 "$owner" 2>/dev/null
}
for dir in "$prefix"[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]; do
  [ -d "$dir" ] && [ "$dir" != "$own_dir" ] && owner_gone "$dir" && sweep_run "$dir"
done
# Bridges of runs whose directory is already gone.
for bridge in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{ print $2 }' | grep '^arn'); do
  [ -d "$prefix${bridge#arn}" ] || ip link del "$bridge" 2>/dev/null
done
sweep_iptables
touch "$own_dir/.locked"

stop=0
trap 'stop=1' USR1
trap '' TERM INT HUP PIPE
while [ $stop = 0 ] && kill -0 "$parent" 2>/dev/null; do
  sleep 0.5 &
  wait $! 2>/dev/null
done
log "run $parent done (stop=$stop): cleaning up"
sweep_run "$own_dir"
sweep_iptables
log "clean"
