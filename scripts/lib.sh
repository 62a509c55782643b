# Shared by scripts/dev and scripts/test: a virtualenv with the pinned dependencies.
# Re-installs only when the lock file changes.

PYTHON="${PYTHON:-python3}"

ensure_venv() {
  local lock="$1"
  local stamp=".venv/.installed-$(basename "$lock" .txt)"
  local want
  want="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [ ! -x .venv/bin/python ]; then
    echo "==> Creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> Installing pinned dependencies from $lock"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$lock"
    echo "$want" > "$stamp"
  fi
}
