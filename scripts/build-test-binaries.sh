#!/usr/bin/env bash
# Builds the real Kubernetes binaries (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet, kube-proxy), etcd, helm and kwok from the Go module proxy into a versioned cache outside
# the repo. Idempotent: a binary already in the cache is not rebuilt.
# Prints the cache directory on its last line.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
KWOK_VERSION="${KWOK_VERSION:-v0.7.0}"
CACHE_ROOT="${ALMA_TEST_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alma-restore-operator}"
OUT="$CACHE_ROOT/bin/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION-helm-$HELM_VERSION-kwok-$KWOK_VERSION"

die() { echo "build-test-binaries: $1" >&2; exit "${2:-1}"; }

export PATH="$PATH:/usr/local/go/bin"
GO="${ALMA_GO:-go}"   # the Go command; ALMA_GO overrides it (the harness tests use a missing one)
command -v "$GO" >/dev/null || die "no Go toolchain ($GO) on PATH: install Go >= 1.25 (e.g. at /usr/local/go) and re-run"
go() { command "$GO" "$@"; }
proxy_hint() { echo "is the Go module proxy reachable? GOPROXY=$(go env GOPROXY)"; }
export CGO_ENABLED=0 GOFLAGS=-mod=mod

have() { for b in "$@"; do [ -x "$OUT/$b" ] || return 1; done; }
ALL_BINARIES="etcd helm kwok kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy"

# --print-dir: report where the binaries are, without building. Exit 3 if any is missing.
if [ "${1:-}" = "--print-dir" ]; then
  for b in $ALL_BINARIES; do
    have "$b" || die "missing $OUT/$b: run 'bash scripts/build-test-binaries.sh' once (needs Go and the Go module proxy; 10-20 min cold)" 3
  done
  echo "$OUT"; exit 0
fi
mkdir -p "$OUT"

build_kubernetes() {
  have kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy && return 0
  local work minor staging mod
  work="$CACHE_ROOT/build/kubernetes-$KUBE_VERSION"; rm -rf "$work"; mkdir -p "$work"; cd "$work"
  minor=$(echo "$KUBE_VERSION" | cut -d. -f2); staging="v0.${KUBE_VERSION#v1.}"
  printf 'module local/k8sbins\ngo 1.26\n' > go.mod
  mod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p') \
    || die "go mod download k8s.io/kubernetes@$KUBE_VERSION failed: $(proxy_hint)"
  [ -n "$mod" ] || die "could not locate go.mod of k8s.io/kubernetes@$KUBE_VERSION"
  for m in $(grep -oE 'k8s\.io/[A-Za-z0-9._-]+ => \./staging' "$mod" | cut -d' ' -f1); do
    go mod edit -replace="$m=$m@$staging"
  done
  go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$KUBE_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$KUBE_VERSION" "k8s.io/kubernetes/cmd/kubelet@$KUBE_VERSION" \
    "k8s.io/kubernetes/cmd/kube-proxy@$KUBE_VERSION" || die "go get of Kubernetes $KUBE_VERSION failed: $(proxy_hint)"
  go build -trimpath \
    -ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean" \
    -o "$OUT/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
    || die "go build of Kubernetes $KUBE_VERSION failed (see above); try KUBE_VERSION=v1.36.3"
}

build_etcd() {
  have etcd && return 0
  local work="$CACHE_ROOT/build/etcd-$ETCD_VERSION"; rm -rf "$work"; mkdir -p "$work"; cd "$work"
  printf 'module local/etcdbin\ngo 1.26\n' > go.mod
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" || die "go get etcd $ETCD_VERSION failed: $(proxy_hint)"
  go build -trimpath -ldflags="-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3 || die "go build etcd failed"
}

build_helm() {
  have helm && return 0
  GOBIN="$OUT" go install -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" || die "go install helm $HELM_VERSION failed: $(proxy_hint)"
}

build_kwok() {
  have kwok && return 0
  GOBIN="$OUT" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" || die "go install kwok $KWOK_VERSION failed: $(proxy_hint)"
}

start=$(date +%s)
build_etcd
build_helm
build_kwok
build_kubernetes
echo "build-test-binaries: ready in $(( $(date +%s) - start ))s" >&2
echo "$OUT"
