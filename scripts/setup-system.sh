#!/usr/bin/env bash
# What the project needs from Debian, installed when missing (CI starts on a clean machine).
# libfaketime: `scheduler.py simulate` and the tests start the time-skipping test server at a
# chosen instant (e.g. 1 January 2023) by running it under libfaketime.
# postgresql: the tests run the schema and the engine record on a real PostgreSQL of their own.
# docker-compose (1.29, Python; without its recommended Docker engine): the tests validate
# docker-compose.yml with `docker-compose config`, which needs no engine.
# dovecot-imapd: the reply tests read a real IMAP mailbox (a dovecot of their own, on loopback).
# chromium, fonts-dejavu-core: the web app's browser tests drive Debian's Chromium through the
# playwright package (launched by path: playwright never downloads a browser here).
# stress-ng: the suite must hold on a loaded machine; `stress-ng --cpu 2` beside `make test`
# is how that is checked (docs/RELIABILITY.md).
set -euo pipefail
packages=(libfaketime postgresql chromium fonts-dejavu-core stress-ng dovecot-imapd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
without_recommends=(docker-compose)
missing_alone=()
for p in "${without_recommends[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_alone+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ ${#missing_alone[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
if [ ${#missing_alone[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing_alone[@]}"
fi
