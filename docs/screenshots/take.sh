#!/usr/bin/env bash
# Regenerates the UI screenshots in this folder: every admin and portal page at a desktop (1280 px)
# and a phone (375 px) width, from a fresh server with test data, in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build tests/Tally.Ui.Tests -c Release -warnaserror
TALLY_SCREENSHOTS="$PWD/docs/screenshots" dotnet test tests/Tally.Ui.Tests -c Release --no-build --filter "FullyQualifiedName~PageTourTests"
