# browser_prereq.sh - sourced by the browser tests (test_report_*browser.sh)
# after they set $here: what they need to run, or a visible skip (exit 77):
# node, Chromium ($CHROMIUM, default /usr/bin/chromium) and playwright-core
# from `npm ci` in web/. Sets $chromium.
chromium=${CHROMIUM:-/usr/bin/chromium}
command -v node >/dev/null || { echo "skip: no node"; exit 77; }
[ -x "$chromium" ] || { echo "skip: no $chromium"; exit 77; }
[ -d "$here/../web/node_modules/playwright-core" ] || { echo "skip: web/node_modules/playwright-core missing (npm ci in web/)"; exit 77; }
