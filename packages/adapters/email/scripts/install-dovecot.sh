#!/usr/bin/env sh
# Installs Debian's dovecot-imapd for the IMAP tests of @kefu/adapter-email, non-interactively.
# The tests start their own private dovecot (own config, temp dir, loopback port); this script
# only provides the binary. Safe to run twice; needs root (or sudo) on a Debian/Ubuntu machine.
set -eu

if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then
  echo "dovecot already installed: $(/usr/sbin/dovecot --version 2>/dev/null || dovecot --version)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install-dovecot: need root or sudo to apt-get install dovecot-imapd" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps it small; policy-rc.d-less containers may print a warning about
# not starting the system service, which we do not need (tests run a private instance).
$SUDO apt-get install -y -qq --no-install-recommends dovecot-imapd
# The package starts a system-wide dovecot where an init system exists; tests do not use it.
echo "installed: $(/usr/sbin/dovecot --version)"
