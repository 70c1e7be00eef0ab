#!/usr/bin/env bash
# test_report_boxes_browser.sh - a detection export's report in a real
# browser: the COCO fixture of tests/ref/make_shared_images.py (splits that
# share whole images under other boxes) through `embscope analyze`, then
# tests/report_boxes_browser.mjs in headless Chromium: a pinned box item
# shows its whole image with the box drawn where PIL's image size puts it,
# the summary lists the whole-image duplicates and leakage; once in one
# page and once past the size budget (--inline-max 0: the sheets, the
# images' cells among them, in report_files/). Screenshots land in the
# output folder. Args: $1 = embscope binary, $2 = output folder.
# Exit 77 = no browser or node.
set -euo pipefail
bin=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/browser_prereq.sh"
rm -rf "$out"
mkdir -p "$out"
/usr/bin/python3 "$here/ref/make_shared_images.py" make "$out"
"$bin" analyze "$out/shared" -o "$out/an" --quiet --threads 2 --map none --clusters none -k 3 --pixels-size 16 >/dev/null
# train/a.png's second box (a dog): 192 px is the pinned panel's image width
/usr/bin/python3 "$here/ref/make_shared_images.py" expect_pin "$out/an" "train/a.png#box1" 192 > "$out/expect.json"
node "$here/report_boxes_browser.mjs" "$out/an/report.html" "$out/one" "$out/expect.json"
"$bin" report "$out/an" --inline-max 0 --quiet >/dev/null
[ -d "$out/an/report_files" ] || { echo "FAIL: no report_files/ past the budget"; exit 1; }
node "$here/report_boxes_browser.mjs" "$out/an/report.html" "$out/split" "$out/expect.json"
echo "ok"
