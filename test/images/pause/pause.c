/*
 * Stand-in for the Kubernetes pause image (registry.k8s.io/pause), for the test node's
 * containerd `sandbox_image`: there is no registry here. It does what the real one does: holds
 * the pod's namespaces open by sleeping, reaps the zombies it inherits as PID 1, and exits 0 on
 * SIGINT or SIGTERM. Built with `gcc -static` by scripts/build-image.sh.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    puts("alma-standin-pause (stand-in for registry.k8s.io/pause)");
    return 0;
  }
  struct sigaction stop = {.sa_handler = on_stop};
  struct sigaction child = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP};
  if (sigaction(SIGINT, &stop, NULL) < 0 || sigaction(SIGTERM, &stop, NULL) < 0 ||
      sigaction(SIGCHLD, &child, NULL) < 0) {
    perror("sigaction");
    return 1;
  }
  for (;;) pause();
}
