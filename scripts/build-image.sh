#!/usr/bin/env bash
# Builds the project's image from its own Dockerfile, unchanged, without Docker (buildah, no
# daemon, no registry), plus the stand-in images the real-node tests need, and writes each as an
# OCI archive that `ctr -n k8s.io images import` accepts. Everything is cached and keyed by its
# inputs: an unchanged input set costs a few hashes, no build.
#
# Usage: bash scripts/build-image.sh [TARGET...]        (default: app)
#   app     the operator image: `buildah bud` of ./Dockerfile with the two build arguments set to
#           bases made on this machine (below). Inputs: Dockerfile, .dockerignore and exactly the
#           files .dockerignore lets into the context (package*.json, tsconfig*.json, src/, crds/).
#   pause   STAND-IN for registry.k8s.io/pause, for containerd's `sandbox_image`: one static
#           binary (test/images/pause/pause.c, `gcc -static`) that waits for SIGTERM.
#   oracle  STAND-IN for the Oracle Database 19c image, for managed mode and for the impdp engine
#           (users set spec.import.impdpImage to the database image; so does the test). See
#           test/images/oracle-standin/Containerfile: uid 54321, ORACLE_BASE=/opt/oracle, the
#           probes' $ORACLE_BASE/checkDBStatus.sh, port 1521 that closes every connection (no
#           Oracle Net: prepare ends DatabaseUnreachable), `alma-standin-oracle check-readable
#           [dir]` (JSON report; for `kubectl exec`), and $ORACLE_HOME/bin/impdp = the test's fake
#           impdp (test/support/fake-impdp) run by the Node the init container copied in. It has
#           no Node of its own, as Oracle's image has none.
#   all     all three.
#   --print-inputs   list the files whose contents key the app image, and exit.
#   --print-refs     print `REF <target> <image ref>` for the targets without building anything
#                    (the refs are content keys: a changed input gives a new ref).
#
# Output: logs on stderr; on stdout one line per target, tab-separated, the last lines:
#   IMAGE <target> <image ref> <OCI archive path>
# e.g. IMAGE app localhost/alma-restore-operator:test-3f2a... /root/.cache/.../app-3f2a....oci.tar
# Load with `ctr -n k8s.io images import <archive>` (the ref is stored in the archive); pods then
# use the ref with imagePullPolicy IfNotPresent or Never. test/support/images.ts wraps this.
#
# Environment:
#   ALMA_TEST_BIN_CACHE  cache root (default ${XDG_CACHE_HOME:-~/.cache}/alma-restore-operator);
#                        images live in <root>/images/ (buildah storage, archives, a lock)
#   ALMA_IMAGE_STORAGE_DRIVER  overlay (default; falls back to vfs if overlay does not work) or vfs
#   ALMA_DEBIAN_MIRROR   Debian mirror for debootstrap (default: the first bookworm URI in this
#                        machine's apt sources)
#   ALMA_NODE_BIN        the Node 20 binary copied into the bases (default: `node` on PATH; npm
#                        from the same installation)
#   ALMA_BUILDAH, ALMA_DEBOOTSTRAP, ALMA_GCC   the tools (defaults buildah, debootstrap, gcc)
#
# The bases (only ever used as build arguments, never published):
#   build base    `debootstrap --variant=minbase bookworm` + this machine's Node and npm at
#                 /usr/local (as node:20-bookworm-slim has them) + this machine's CA bundle with
#                 NODE_EXTRA_CA_CERTS, so `npm ci` trusts what this machine trusts. TEST-ONLY: the
#                 Dockerfile itself never sees a CA bundle.
#   runtime base  distroless-shaped (like gcr.io/distroless/nodejs20-debian12:nonroot): no shell,
#                 no package manager; glibc and the libraries `ldd node` names, Debian's Mozilla
#                 CA bundle, Node at /nodejs/bin/node, /etc/passwd + /etc/group with nonroot
#                 65532, /tmp (1777), User 65532.
# Needs root (buildah with chroot isolation, debootstrap), and Debian packages buildah,
# debootstrap, gcc, libc6-dev, ca-certificates (all in .ci/apt-packages.txt).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
CACHE_ROOT="${ALMA_TEST_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alma-restore-operator}"
IMAGES="$CACHE_ROOT/images"
BUILDAH="${ALMA_BUILDAH:-buildah}"
DEBOOTSTRAP="${ALMA_DEBOOTSTRAP:-debootstrap}"
GCC="${ALMA_GCC:-gcc}"
SUITE=bookworm
# Bump a recipe's version when you change how that image is made (its key includes it).
ROOTFS_RECIPE=1 BUILD_BASE_RECIPE=1 RUNTIME_BASE_RECIPE=1 APP_RECIPE=1 PAUSE_RECIPE=1 ORACLE_RECIPE=1

log() { echo "build-image: $*" >&2; }
die() { echo "build-image: $1" >&2; exit "${2:-1}"; }
need() { command -v "$1" >/dev/null || die "$1 not found: install it with 'apt-get install $2' (listed in .ci/apt-packages.txt)" 3; }
sha() { sha256sum | cut -c1-64; }
# Content hash of files (path + contents), sorted, independent of mtimes.
hash_files() { (cd "$REPO" && for f in "$@"; do printf '%s %s\n' "$f" "$(sha256sum < "$f" | cut -c1-64)"; done) | sha; }

# The app image's inputs: Dockerfile, .dockerignore, and what .dockerignore lets in ("**" first,
# then "!file" or "!dir/**" re-includes), so the key follows the build context by construction.
app_inputs() {
  echo Dockerfile; echo .dockerignore
  local rule
  while read -r rule; do
    case "$rule" in
      '!'*'/**') (cd "$REPO" && find "${rule:1:-3}" -type f) ;;
      '!'*) echo "${rule:1}" ;;
    esac
  done < "$REPO/.dockerignore"
}

targets=()
PRINT_REFS=0
for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --print-inputs) app_inputs | LC_ALL=C sort; exit 0 ;;
    --print-refs) PRINT_REFS=1 ;;
    app|pause|oracle) targets+=("$arg") ;;
    all) targets+=(app pause oracle) ;;
    *) die "unknown target '$arg' (targets: app, pause, oracle, all; --help)" 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(app)

[ "$(id -u)" = 0 ] || die "must run as root (buildah with chroot isolation and debootstrap need it)" 3
need "$BUILDAH" buildah
need "$DEBOOTSTRAP" debootstrap
need "$GCC" "gcc libc6-dev"
NODE_BIN="$(command -v "${ALMA_NODE_BIN:-node}")" || die "no node binary: install Node.js 20 or set ALMA_NODE_BIN" 3
NODE_BIN="$(readlink -f "$NODE_BIN")"
NPM_DIR="$(readlink -f "$(dirname "$NODE_BIN")/../lib/node_modules/npm")"
[ -f "$NPM_DIR/package.json" ] || NPM_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
[ -f "$NPM_DIR/package.json" ] || die "npm not found next to $NODE_BIN" 3
"$NODE_BIN" -e 'process.exit(process.versions.node.split(".")[0] === "20" ? 0 : 1)' \
  || die "$NODE_BIN is Node $("$NODE_BIN" --version), the images need Node 20 (set ALMA_NODE_BIN)" 3
MACHINE_CA=/etc/ssl/certs/ca-certificates.crt
MOZILLA_CA_DIR=/usr/share/ca-certificates/mozilla
[ -f "$MACHINE_CA" ] && [ -d "$MOZILLA_CA_DIR" ] || die "no CA certificates: apt-get install ca-certificates" 3
MIRROR="${ALMA_DEBIAN_MIRROR:-$( (grep -rhoE '(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true) | head -1 | awk '{print $2}')}"
[ -n "$MIRROR" ] || die "no Debian mirror found in the apt sources: set ALMA_DEBIAN_MIRROR" 3

bh() { "$BUILDAH" --root "$IMAGES/storage-$DRIVER" --runroot "$IMAGES/run-$DRIVER" --storage-driver "$DRIVER" "$@"; }
have_image() { bh inspect --type image "$1" >/dev/null 2>&1; }

WORK_CTRS=()
WORK_DIRS=()
DEBOOTSTRAP_TARGET=
cleanup() {
  # debootstrap mounts proc and sys inside its target while it runs: never leave them behind.
  if [ -n "$DEBOOTSTRAP_TARGET" ]; then umount -R "$DEBOOTSTRAP_TARGET/proc" "$DEBOOTSTRAP_TARGET/sys" 2>/dev/null || true; fi
  for c in "${WORK_CTRS[@]}"; do bh rm "$c" >/dev/null 2>&1 || true; done
  for d in "${WORK_DIRS[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT
trap 'exit 143' TERM INT
new_ctr() { local c; c=$(bh from --pull=never "$1"); WORK_CTRS+=("$c"); echo "$c"; }
commit() { bh commit --quiet --rm "$1" "$2" >/dev/null; }
workdir() { local d; d=$(mktemp -d "$IMAGES/work/$1.XXXXXX"); WORK_DIRS+=("$d"); echo "$d"; }
timed() { local t0=$SECONDS; "$@"; log "$1 took $((SECONDS - t0)) s"; }

ARCH="$(dpkg --print-architecture)"
# The Node binary is ~100 MB: remember its hash by (size, mtime, inode) instead of re-reading it.
node_sha() {
  local stamp memo="$IMAGES/node-sha256"
  stamp="$NODE_BIN $(stat -c '%s %Y %i' "$NODE_BIN")"
  if [ -f "$memo" ] && [ "$(head -1 "$memo")" = "$stamp" ]; then sed -n 2p "$memo"; return; fi
  mkdir -p "$IMAGES"
  { echo "$stamp"; sha256sum < "$NODE_BIN" | cut -c1-64; } > "$memo.$$" && mv "$memo.$$" "$memo"
  sed -n 2p "$memo"
}
NODE_SHA="$(node_sha)"
NODE_LIBS="$(ldd "$NODE_BIN" | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}')"
KEY_ROOTFS="$(echo "rootfs $ROOTFS_RECIPE $SUITE minbase $ARCH $MIRROR" | sha)"
KEY_BUILD="$(echo "build $BUILD_BASE_RECIPE $KEY_ROOTFS $NODE_SHA $(sha256sum < "$NPM_DIR/package.json") $(sha256sum < "$MACHINE_CA")" | sha)"
KEY_RUNTIME="$(
  { echo "runtime $RUNTIME_BASE_RECIPE $NODE_SHA"
    for l in $NODE_LIBS; do echo "$l $(sha256sum < "$l")"; done
    cat "$MOZILLA_CA_DIR"/*.crt | sha256sum; } | sha)"
REF_ROOTFS="localhost/alma-test-base-bookworm:${KEY_ROOTFS:0:16}"
REF_BUILD="localhost/alma-test-base-node-build:${KEY_BUILD:0:16}"
REF_RUNTIME="localhost/alma-test-base-node-runtime:${KEY_RUNTIME:0:16}"

# --- bases -------------------------------------------------------------------------------------
make_rootfs() {
  local c mnt
  c=$(new_ctr scratch); mnt=$(bh mount "$c")
  log "debootstrap --variant=minbase $SUITE from $MIRROR"
  DEBOOTSTRAP_TARGET=$mnt
  if ! "$DEBOOTSTRAP" --variant=minbase --arch="$ARCH" "$SUITE" "$mnt" "$MIRROR" > "$IMAGES/work/debootstrap.log" 2>&1; then
    tail -20 "$IMAGES/work/debootstrap.log" >&2
    die "debootstrap failed (log: $IMAGES/work/debootstrap.log); is $MIRROR reachable? (ALMA_DEBIAN_MIRROR)"
  fi
  DEBOOTSTRAP_TARGET=
  rm -rf "$mnt"/var/cache/apt/archives/*.deb "$mnt"/var/lib/apt/lists/* "$mnt"/dev/* "$mnt"/debootstrap
  bh umount "$c" >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash \
    --label "org.opencontainers.image.description=TEST-ONLY: debootstrap --variant=minbase $SUITE" "$c"
  commit "$c" "$REF_ROOTFS"
}

make_build_base() {
  local c mnt
  c=$(new_ctr "$REF_ROOTFS"); mnt=$(bh mount "$c")
  install -D -m 0755 "$NODE_BIN" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$NPM_DIR" "$mnt/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  install -D -m 0644 "$MACHINE_CA" "$mnt/etc/ssl/certs/ca-certificates.crt"
  bh umount "$c" >/dev/null
  bh config --env NODE_VERSION="$("$NODE_BIN" --version | tr -d v)" \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --cmd node \
    --label "org.opencontainers.image.description=TEST-ONLY build base: Debian $SUITE minbase, this machine's Node and npm, this machine's CA bundle" "$c"
  commit "$c" "$REF_BUILD"
}

make_runtime_base() {
  local c mnt lib
  c=$(new_ctr scratch); mnt=$(bh mount "$c")
  install -D -m 0755 "$NODE_BIN" "$mnt/nodejs/bin/node"
  for lib in $NODE_LIBS; do install -D -m 0755 "$(readlink -f "$lib")" "$mnt$lib"; done
  install -d -m 0755 "$mnt/etc/ssl/certs"
  cat "$MOZILLA_CA_DIR"/*.crt > "$mnt/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$mnt/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' > "$mnt/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$mnt/etc/nsswitch.conf"
  cp /usr/lib/os-release "$mnt/etc/os-release"
  install -d -m 1777 "$mnt/tmp"
  install -d -m 0700 -o 65532 -g 65532 "$mnt/home/nonroot"
  install -d -m 0700 "$mnt/root"
  bh umount "$c" >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --user 65532:65532 --workingdir /home/nonroot \
    --entrypoint '["/nodejs/bin/node"]' \
    --label "org.opencontainers.image.description=TEST-ONLY distroless-shaped Node 20 runtime: no shell, no package manager, nonroot 65532" "$c"
  commit "$c" "$REF_RUNTIME"
}

ensure() { # ensure <ref> <function>
  if have_image "$1"; then return 0; fi
  log "building $1"
  timed "$2"
}

# --- targets -----------------------------------------------------------------------------------
# archive <target> <ref>: the cached OCI archive of <ref> (pushed from the store).
archive_path() { echo "$IMAGES/archives/$1-${2##*:}.oci.tar"; }
write_archive() {
  local target=$1 ref=$2 file tmp
  file=$(archive_path "$target" "$ref"); tmp="$file.tmp.$$"
  rm -f "$tmp"
  bh push --quiet "$ref" "oci-archive:$tmp:$ref" >&2
  mv "$tmp" "$file"
  # Keep the three newest archives and images of each target; older ones are dead weight.
  ls -1t "$IMAGES/archives/$target"-*.oci.tar | tail -n +4 | xargs -r rm -f
  bh images --noheading --format '{{.Name}}:{{.Tag}}' "${ref%:*}" 2>/dev/null | grep -vxF "$ref" | tail -n +3 \
    | xargs -r "$BUILDAH" --root "$IMAGES/storage-$DRIVER" --runroot "$IMAGES/run-$DRIVER" --storage-driver "$DRIVER" rmi >/dev/null 2>&1 || true
}
emit() { printf 'IMAGE\t%s\t%s\t%s\n' "$1" "$2" "$(archive_path "$1" "$2")"; }
# done_already <target> <ref>: archive there (and so the image was built from these inputs).
done_already() { [ -f "$(archive_path "$1" "$2")" ]; }

app_ref() {
  local key
  key="$(echo "app $APP_RECIPE $KEY_BUILD $KEY_RUNTIME $(app_inputs | LC_ALL=C sort | { mapfile -t f; hash_files "${f[@]}"; })" | sha)"
  echo "localhost/alma-restore-operator:test-${key:0:16}"
}

build_app() {
  local ref; ref=$(app_ref)
  if ! done_already app "$ref"; then
    ensure "$REF_ROOTFS" make_rootfs
    ensure "$REF_BUILD" make_build_base
    ensure "$REF_RUNTIME" make_runtime_base
    if ! have_image "$ref"; then
      log "buildah bud ./Dockerfile -> $ref"
      local t0=$SECONDS
      (cd "$REPO" && bh bud --pull=never --isolation=chroot --network=host --layers --quiet \
        --build-arg "NODE_BUILD_IMAGE=$REF_BUILD" --build-arg "NODE_RUNTIME_IMAGE=$REF_RUNTIME" \
        -f Dockerfile -t "$ref" . >&2) || die "buildah bud of the Dockerfile failed (see above)"
      log "app image built in $((SECONDS - t0)) s"
    fi
    write_archive app "$ref"
  else
    log "app: $ref is up to date"
  fi
  emit app "$ref"
}

# A stand-in: a Containerfile in test/images/<dir>, its context assembled in a work dir.
build_standin() { # build_standin <target> <ref> <context filler function> [base ref]
  local target=$1 ref=$2 fill=$3 base=${4:-} ctx
  if ! done_already "$target" "$ref"; then
    [ -z "$base" ] || ensure "$REF_ROOTFS" make_rootfs
    if ! have_image "$ref"; then
      ctx=$(workdir "$target"); "$fill" "$ctx"
      log "buildah bud test/images/$target -> $ref"
      bh bud --pull=never --isolation=chroot --network=host --quiet ${base:+--build-arg "STANDIN_BASE=$base"} \
        -f "$ctx/Containerfile" -t "$ref" "$ctx" >&2 || die "buildah bud of the $target stand-in failed (see above)"
    fi
    write_archive "$target" "$ref"
  else
    log "$target: $ref is up to date"
  fi
  emit "$target" "$ref"
}

GCC_ID="$("$GCC" --version | head -1)"
fill_pause() {
  cp "$REPO/test/images/pause/Containerfile" "$1/"
  "$GCC" -static -O2 -s -Wall -Werror -o "$1/pause" "$REPO/test/images/pause/pause.c"
}
fill_oracle() {
  cp "$REPO"/test/images/oracle-standin/{Containerfile,checkDBStatus.sh,impdp} "$1/"
  "$GCC" -static -O2 -s -Wall -Werror -o "$1/alma-standin-oracle" "$REPO/test/images/oracle-standin/alma-standin-oracle.c"
  mkdir -p "$1/fake-impdp/test/support" "$1/fake-impdp/test/fixtures"
  cp -r "$REPO/test/support/fake-impdp" "$1/fake-impdp/test/support/"
  cp -r "$REPO/test/fixtures/datapump" "$1/fake-impdp/test/fixtures/"
  # The fake impdp replays Oracle's texts (error messages, STATUS block) from here too.
  mkdir -p "$1/fake-impdp/test/fixtures/oracle"
  cp -r "$REPO/test/fixtures/oracle/datapump" "$1/fake-impdp/test/fixtures/oracle/"
}
standin_key() { # standin_key <recipe> <dirs...>: hash of every file under the dirs
  local recipe=$1; shift
  echo "$recipe $GCC_ID $KEY_ROOTFS $(cd "$REPO" && find "$@" -type f | LC_ALL=C sort | { mapfile -t f; hash_files "${f[@]}"; })" | sha
}

pause_ref() { echo "localhost/alma-standin-pause:$(standin_key "pause $PAUSE_RECIPE" test/images/pause | cut -c1-16)"; }
oracle_ref() {
  echo "localhost/alma-standin-oracle-database:$(standin_key "oracle $ORACLE_RECIPE" test/images/oracle-standin \
    test/support/fake-impdp test/fixtures/datapump test/fixtures/oracle/datapump | cut -c1-16)"
}

if [ "$PRINT_REFS" = 1 ]; then
  for t in "${targets[@]}"; do printf 'REF\t%s\t%s\n' "$t" "$("${t}_ref")"; done
  exit 0
fi
mkdir -p "$IMAGES/archives" "$IMAGES/work"
exec 9>"$IMAGES/.lock"
flock 9 # one build at a time per cache (parallel test runs share it)

# Storage: a buildah store of our own under the cache; overlay unless it does not work here.
DRIVER="${ALMA_IMAGE_STORAGE_DRIVER:-}"
[ -n "$DRIVER" ] || DRIVER="$(cat "$IMAGES/storage-driver" 2>/dev/null || true)"
if [ -z "$DRIVER" ]; then
  DRIVER=overlay
  if ! out=$(bh images 2>&1); then log "overlay storage does not work here ($out); using vfs"; DRIVER=vfs; fi
  echo "$DRIVER" > "$IMAGES/storage-driver"
fi
# Working containers left by a killed run (we hold the lock: none is anyone else's).
bh rm --all >/dev/null 2>&1 || true
t_start=$SECONDS
for t in "${targets[@]}"; do
  case "$t" in
    app) build_app ;;
    pause) build_standin pause "$(pause_ref)" fill_pause ;;
    oracle) build_standin oracle "$(oracle_ref)" fill_oracle "$REF_ROOTFS" ;;
  esac
done
log "done in $((SECONDS - t_start)) s (storage: $DRIVER under $IMAGES)"
