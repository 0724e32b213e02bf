#!/bin/sh
# Writes compose/secrets.env: the Grafana admin password and the S3 key pair, random, once.
#
# compose.yaml reads this file next to .env (`include: ... env_file: [.env, secrets.env]`). It is
# git-ignored and created with mode 600. An existing file is never overwritten: Grafana keeps the
# password it saw on its first start, and the S3 gateway's data is only readable with the same keys.
set -eu
cd "$(dirname "$0")"
if [ -e secrets.env ]; then
  echo "compose/secrets.env already exists; leaving it as it is." >&2
  exit 0
fi
command -v openssl >/dev/null 2>&1 || { echo "init-secrets.sh needs openssl on PATH." >&2; exit 1; }
umask 077
{
  echo "# Written by compose/init-secrets.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Git-ignored; see .env.example."
  echo "GRAFANA_ADMIN_PASSWORD=$(openssl rand -hex 24)"
  echo "S3_ACCESS_KEY=$(openssl rand -hex 12)"
  echo "S3_SECRET_KEY=$(openssl rand -hex 24)"
} > secrets.env.tmp
mv secrets.env.tmp secrets.env
echo "Wrote compose/secrets.env. Grafana login: admin / the GRAFANA_ADMIN_PASSWORD in that file."
