/*
 * The managed-database stand-in's one program (there is no Oracle here). It is NOT a database
 * and speaks no Oracle Net: the point is to stand where the Oracle 19c container stands (uid
 * 54321, the staging volume at the directory objects' path, port 1521, the probes) so a test can
 * show what the real container would see, and that prepare fails cleanly against it.
 *
 *   serve [port] [addr]   listen on <addr>:<port> (default 0.0.0.0:1521, in the pod's network
 *                         namespace; tests on the host pass 127.0.0.1) and close every connection at
 *                         once: a client gets end-of-file before any Oracle Net packet, so
 *                         node-oracledb fails with NJS-500/NJS-521 and the steps report
 *                         DatabaseUnreachable. Listening (rather than not) gives the headless
 *                         Service a real endpoint and shows the pod network reaches the pod.
 *   status [port]         what checkDBStatus.sh runs: exit 0 ("PDB open") when the listener
 *                         accepts on 127.0.0.1:<port>, else 1 ("PDB not open"), as Oracle's
 *                         checkDBStatus.sh returns 0/1.
 *   check-readable [dir]  as this process's uid/gids, open and read (the first 64 KiB of) every
 *                         regular file under <dir> (default /opt/oracle/staging) and enter every
 *                         directory; print one JSON object; exit 0 when at least one file was
 *                         found and all were readable, 1 when something was not, 2 when no file
 *                         was found. Permissions are checked by open(2): reading the first block
 *                         proves the data is reachable without reading gigabytes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static int port_arg(int argc, char **argv) {
  return argc > 2 ? atoi(argv[2]) : 1521;
}

static int serve(int port, const char *address) {
  signal(SIGTERM, on_stop);
  signal(SIGINT, on_stop);
  signal(SIGPIPE, SIG_IGN);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) {
    fprintf(stderr, "alma-standin-oracle: not an IPv4 address: %s\n", address);
    return 64;
  }
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 64) < 0) {
    fprintf(stderr, "alma-standin-oracle: cannot listen on port %d: %s\n", port, strerror(errno));
    return 1;
  }
  printf("alma-standin-oracle: STAND-IN, not a database: listening on %s:%d as uid %d gid %d; "
         "every connection is closed at once (no Oracle Net)\n",
         address, port, (int)getuid(), (int)getgid());
  fflush(stdout);
  for (;;) {
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int c = accept(fd, (struct sockaddr *)&peer, &len);
    if (c < 0) continue;
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
    /* The probes connect from loopback every period: log only the clients that matter. */
    if (ntohl(peer.sin_addr.s_addr) >> 24 != 127) {
      printf("alma-standin-oracle: closed a connection from %s:%d (this stand-in speaks no Oracle Net)\n", ip,
             ntohs(peer.sin_port));
      fflush(stdout);
    }
    close(c);
  }
}

static int status(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    printf("PDB is not open (stand-in: nothing accepts on 127.0.0.1:%d: %s)\n", port, strerror(errno));
    return 1;
  }
  close(fd);
  return 0;
}

/* check-readable: one JSON object on stdout. */
static int files = 0, failures = 0, first = 1;

static void json_string(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void entry(const char *kind, const char *path, const struct stat *st, int ok, const char *error) {
  printf("%s\n    {\"kind\":\"%s\",\"path\":", first ? "" : ",", kind);
  first = 0;
  json_string(path);
  if (st) printf(",\"size\":%lld,\"mode\":\"%04o\",\"uid\":%d,\"gid\":%d", (long long)st->st_size,
                 (unsigned)(st->st_mode & 07777), (int)st->st_uid, (int)st->st_gid);
  printf(",\"readable\":%s", ok ? "true" : "false");
  if (error) {
    printf(",\"error\":");
    json_string(error);
  }
  putchar('}');
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)ftw;
  static char buf[65536];
  if (type == FTW_D) {
    int ok = access(path, R_OK | X_OK) == 0;
    if (!ok) failures++;
    entry("directory", path, st, ok, ok ? NULL : strerror(errno));
  } else if (type == FTW_DNR) {
    failures++;
    entry("directory", path, st, 0, "cannot be read (permission denied)");
  } else if (type == FTW_NS) {
    failures++;
    entry("file", path, NULL, 0, "cannot stat");
  } else if (type == FTW_F && S_ISREG(st->st_mode)) {
    files++;
    int fd = open(path, O_RDONLY);
    const char *error = NULL;
    if (fd < 0) error = strerror(errno);
    else if (read(fd, buf, sizeof buf) < 0) error = strerror(errno);
    if (fd >= 0) close(fd);
    if (error) failures++;
    entry("file", path, st, error == NULL, error);
  }
  return 0;
}

static int check_readable(const char *root) {
  gid_t groups[64];
  int n = getgroups(64, groups);
  printf("{\"standIn\":\"alma-standin-oracle\",\"uid\":%d,\"gid\":%d,\"groups\":[", (int)getuid(), (int)getgid());
  for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", (int)groups[i]);
  printf("],\"root\":");
  json_string(root);
  printf(",\"entries\":[");
  int rc = nftw(root, visit, 32, FTW_PHYS);
  if (rc < 0) {
    failures++;
    entry("directory", root, NULL, 0, strerror(errno));
  }
  printf("\n  ],\"files\":%d,\"unreadable\":%d}\n", files, failures);
  return failures > 0 ? 1 : files == 0 ? 2 : 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "serve";
  if (strcmp(mode, "serve") == 0) return serve(port_arg(argc, argv), argc > 3 ? argv[3] : "0.0.0.0");
  if (strcmp(mode, "status") == 0) return status(port_arg(argc, argv));
  if (strcmp(mode, "check-readable") == 0) return check_readable(argc > 2 ? argv[2] : "/opt/oracle/staging");
  fprintf(stderr, "usage: alma-standin-oracle serve [port] [addr] | status [port] | check-readable [dir]\n");
  return 64;
}
