#!/usr/bin/env bash
# aiosmtpd, a real SMTP server, as the mail sink of the notification tests
# (server/tests/notifications.rs): installed (pinned, with its dependencies)
# into a venv on first use, reused afterwards. Prints the venv's python on
# stdout; the tests then run
#
#   PYTHONPATH=scripts $PYTHON -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.JsonDir DIR
#
# which writes every accepted message to DIR as JSON (scripts/smtp_sink.py).
#
# Needs: python3 with venv + pip, PyPI (first run only).
# Usage: bash scripts/aiosmtpd.sh
# Env:   AIOSMTPD_VENV (default ci-artifacts/aiosmtpd-venv)
# Exit:  non-zero if the venv cannot be made or aiosmtpd not installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

# Pinned: aiosmtpd and what it pulls in.
REQUIREMENTS=(aiosmtpd==1.4.6 atpublic==9.0.0 attrs==26.1.0)
AIOSMTPD_VERSION=1.4.6
VENV=${AIOSMTPD_VENV:-$ROOT/ci-artifacts/aiosmtpd-venv}
mkdir -p "$(dirname "$VENV")"

# Test binaries may ask at the same time: one installs, the others wait.
exec 9>"$VENV.lock"
flock 9
if ! "$VENV/bin/python" -c "import sys, aiosmtpd; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check "${REQUIREMENTS[@]}" >&2
  "$VENV/bin/python" -c "import aiosmtpd; print('aiosmtpd', aiosmtpd.__version__, 'installed in $VENV')" >&2
fi
echo "$VENV/bin/python"
