#!/bin/sh
# STAND-IN for oracle/docker-images' $ORACLE_BASE/checkDBStatus.sh, which the StatefulSet's
# startup and readiness probes run as `/bin/sh -c "$ORACLE_BASE/checkDBStatus.sh"`. Oracle's
# returns 0 when a PDB is open READ WRITE, 1 when not, 2 when sqlplus fails. The stand-in's
# "open" is: its listener accepts on 127.0.0.1:1521.
exec /usr/local/bin/alma-standin-oracle status 1521
