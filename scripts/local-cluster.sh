#!/usr/bin/env bash
# A one-node Kubernetes cluster on this Linux machine, without Docker: the same cluster the
# end-to-end tests use (test/support/real-node.ts): etcd + kube-apiserver + controller manager +
# scheduler + kube-proxy + a real kubelet with its own containerd and runc, a pod bridge that
# reaches only this machine, local PersistentVolumes, and the project's images built from the
# Dockerfile (scripts/build-image.sh) and loaded into containerd.
#
#   bash scripts/local-cluster.sh up       start it (or say where the running one is); prints the kubeconfig
#   bash scripts/local-cluster.sh load     rebuild the operator image from this checkout and load it on the node
#   bash scripts/local-cluster.sh down     remove everything it made (processes, mounts, bridge, iptables chains)
#   bash scripts/local-cluster.sh status
#
# Needs root, the Go-built binaries (bash scripts/build-test-binaries.sh), and the Debian packages
# in .ci/apt-packages.txt (containerd, runc, containernetworking-plugins, buildah, ...).
# State: $ALMA_LOCAL_CLUSTER_DIR (default ~/.cache/alma-restore-operator/local-cluster).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${ALMA_LOCAL_CLUSTER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/alma-restore-operator/local-cluster}"
mkdir -p "$STATE"

running() { [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; }

app_ref() { awk -F'\t' '$1 == "app" { print $2 }' "$STATE/images"; }

# helm from PATH, else the one scripts/build-test-binaries.sh built (recorded by `up`).
helm_cmd() { command -v helm 2>/dev/null || cat "$STATE/helm" 2>/dev/null || echo helm; }

print_helm_line() {
  local app repo tag
  app=$(app_ref)
  repo=${app%:*}; tag=${app##*:}
  cat <<MSG
  $(helm_cmd) upgrade --install alma-restore-operator charts/alma-restore-operator --namespace alma-restore-system \\
    --set image.repository=$repo --set image.tag=$tag --set image.pullPolicy=Never
MSG
}

print_usage_hint() {
  cat <<MSG
Cluster ready. Use it with:
  export KUBECONFIG=$STATE/kubeconfig
  kubectl get nodes
Install the operator (its image, built from this checkout's Dockerfile, is already on the node):
  kubectl apply -f manifests/namespace.yaml
$(print_helm_line)
After a code change: bash scripts/local-cluster.sh load (rebuilds, loads, prints the helm line).
Staging and database claims bind to the local PersistentVolumes of StorageClass alma-local
(spec.storage.storageClassName: alma-local). Remove everything: bash scripts/local-cluster.sh down
MSG
}

case "${1:-}" in
  up)
    if running && [ -f "$STATE/ready" ]; then print_usage_hint; exit 0; fi
    running && { echo "local-cluster: still starting (pid $(cat "$STATE/pid")); log: $STATE/log" >&2; exit 1; }
    cd "$REPO"
    [ -d node_modules ] || npm ci
    echo "local-cluster: starting (log: $STATE/log); the first run builds the images (several minutes)" >&2
    setsid nohup node --import tsx test/support/local-cluster.ts "$STATE" >"$STATE/log" 2>&1 </dev/null &
    pid=$!
    while [ ! -f "$STATE/ready" ]; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "local-cluster: failed to start; the end of $STATE/log:" >&2
        tail -25 "$STATE/log" >&2
        exit 1
      fi
      sleep 1
    done
    echo "local-cluster: up in $(cat "$STATE/ready")" >&2
    print_usage_hint
    ;;
  load)
    running && [ -f "$STATE/ready" ] || { echo "local-cluster: not running: bash scripts/local-cluster.sh up" >&2; exit 1; }
    cd "$REPO"
    line=$(bash scripts/build-image.sh app | grep $'^IMAGE\tapp\t')
    ref=$(cut -f3 <<<"$line"); archive=$(cut -f4 <<<"$line")
    run_dir=$(cat "$STATE/run-dir")
    for sock in "$run_dir"/n*/containerd.sock; do
      ctr --address "$sock" -n k8s.io images import "$archive" >/dev/null
    done
    awk -F'\t' -v ref="$ref" -v archive="$archive" 'BEGIN { OFS = "\t" } $1 == "app" { $2 = ref; $3 = archive } { print }' \
      "$STATE/images" >"$STATE/images.new" && mv "$STATE/images.new" "$STATE/images"
    echo "local-cluster: loaded $ref; install or upgrade the operator with it:" >&2
    print_helm_line
    ;;
  down)
    if ! running; then echo "local-cluster: not running"; exit 0; fi
    pid=$(cat "$STATE/pid")
    run_dir=$(cat "$STATE/run-dir" 2>/dev/null || true)
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
    # The cleaner finishes after the cluster process: wait until the run directory is gone.
    while [ -n "$run_dir" ] && [ -d "$run_dir" ]; do sleep 0.5; done
    echo "local-cluster: removed"
    ;;
  status)
    if running && [ -f "$STATE/ready" ]; then print_usage_hint; elif running; then echo "starting"; else echo "not running"; exit 1; fi
    ;;
  *)
    echo "usage: bash scripts/local-cluster.sh up|load|down|status" >&2
    exit 2
    ;;
esac
