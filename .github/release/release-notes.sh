#!/usr/bin/env bash
# Prints the release notes of TAG (vX.Y.Z): its section of CHANGELOG.md. Fails when TAG is not
# "v" + package.json's version, or when CHANGELOG.md has no section for that version.
# Usage: release-notes.sh TAG
set -euo pipefail
tag="${1:?usage: release-notes.sh TAG (e.g. v1.0.0)}"
version="$(node -p 'require("./package.json").version')"
if [ "$tag" != "v$version" ]; then
  echo "::error::tag $tag does not match package.json's version $version (expected v$version)" >&2
  exit 1
fi
notes="$(awk -v v="$version" '
  index($0, "## [" v "]") == 1 { inside = 1; next }
  inside && /^## \[/ { exit }
  inside && /^\[.*\]: / { exit }
  inside { print }
' CHANGELOG.md)"
if [ -z "${notes//[[:space:]]/}" ]; then
  echo "::error::CHANGELOG.md has no section '## [$version] - <date>'" >&2
  exit 1
fi
printf '%s\n' "$notes"
