#!/bin/sh
# bench/io/run.sh EMBSCOPE [WORKDIR] - decode + pixel-vector throughput:
# 1,000 JPEG photos of 1024x768 (made once by bench/io/make_photos.py:
# smooth gradients + noise, PIL quality 90) turned into 32x32 gray vectors,
# by `embscope embed` and by PIL doing the same work (open, convert("L"),
# resize((32, 32), Image.BOX), / 255), both with 2 workers, in one run.
# Prints a table: wall time, images/s, peak RSS, agreement, ratio.
# Heavy: takes /tmp/embscope-bench.lock so only one benchmark runs at a time.
set -eu
emb=$(realpath "${1:?usage: bench/io/run.sh path/to/embscope [workdir]}")
work=${2:-/tmp/embscope-bench-io}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
mkdir -p "$work"
$py "$here/../machine.py" "$emb"
exec flock /tmp/embscope-bench.lock sh -c '
set -eu
emb=$1 work=$2 here=$3 py=$4
shift 4
$py "$here/make_photos.py" "$work/photos" 1000 1024 768
rm -rf "$work/out_emb" "$work/out_pil"
# warm the page cache once so neither side pays for the first read
cat "$work"/photos/*/*.jpg >/dev/null
/usr/bin/time -v -o "$work/time_emb.txt" "$emb" embed "$work/photos" -o "$work/out_emb" --threads 2 --pixels-size 32 --quiet
/usr/bin/time -v -o "$work/time_pil.txt" $py "$here/pil_pixels.py" "$work/photos" "$work/out_pil" 2 32
$py "$here/report.py" "$work" "$emb"
' sh "$emb" "$work" "$here" "$py"
