#!/bin/sh
# Writes compose/secrets.env: the Grafana admin password, the S3 key pair and the collector's OTLP bearer
# token, random, once.
#
# compose.yaml reads this file next to .env (`include: ... env_file: [.env, secrets.env]`). It is
# git-ignored and created with mode 600. A value already in the file is never overwritten (Grafana
# keeps the password it saw on its first start, and the S3 gateway's data is only readable with the
# same keys); a secret missing from an older file is added, so re-running it after an upgrade is safe.
set -eu
cd "$(dirname "$0")"
command -v openssl >/dev/null 2>&1 || { echo "init-secrets.sh needs openssl on PATH." >&2; exit 1; }
umask 077
if [ ! -e secrets.env ]; then
  echo "# Written by compose/init-secrets.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Git-ignored; see .env.example." > secrets.env.tmp
  mv secrets.env.tmp secrets.env
fi
added=""
# add NAME VALUE: appends NAME=VALUE unless the file sets NAME already.
add() {
  if ! grep -q "^$1=" secrets.env; then
    echo "$1=$2" >> secrets.env
    added="$added $1"
  fi
}
add GRAFANA_ADMIN_PASSWORD "$(openssl rand -hex 24)"
add S3_ACCESS_KEY "$(openssl rand -hex 12)"
add S3_SECRET_KEY "$(openssl rand -hex 24)"
add OTLP_BEARER_TOKEN "$(openssl rand -hex 32)"
if [ -z "$added" ]; then
  echo "compose/secrets.env already holds every secret; leaving it as it is." >&2
else
  echo "compose/secrets.env: added$added."
  echo "Grafana login: admin / the GRAFANA_ADMIN_PASSWORD in that file. Agents send the OTLP_BEARER_TOKEN"
  echo "in that file: OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<token>."
fi
