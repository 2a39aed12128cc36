#!/usr/bin/python3
"""check-book.py: the book as a reader's browser shows it. Prints TAP.

    tools/check-book.py [BOOK_DIR]      (BOOK_DIR: where book.html and book.epub are; default build)

Opens BOOK_DIR/book.html in headless Chromium (driven over its DevTools protocol on a pipe, so no port is
opened) and checks, at a 1280 px window: every table-of-contents and internal link lands, and every link to
a file beside the book (the chapter diffs) finds it; every figure decodes, has a number ("Figure 4.2") and a
caption, and its smallest text is at least 11 px; no listing overflows its box; the sidebar marks where the
reader is and a click opens a figure full size; no request leaves the file. At 400 px (a phone) the page does
not scroll sideways. Then it validates BOOK_DIR/book.epub with epubcheck and opens each of its chapters at
600 px: no listing overflows its box there either.

Where Chromium (or epubcheck) cannot run, each of its checks prints `ok N - WHAT # SKIP needs chromium: WHY`.
Only the Python standard library is used. Environment: CHROMIUM (the browser, default chromium),
EPUBCHECK_JAR (default /usr/share/java/epubcheck.jar).
"""

import base64
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile

MIN_FIGURE_PX = 11.0
count = 0
failures = 0


def ok(what, diagnostics=()):
    global count
    count += 1
    print(f"ok {count} - {what}", flush=True)


def not_ok(what, diagnostics=()):
    global count, failures
    count += 1
    failures += 1
    print(f"not ok {count} - {what}", flush=True)
    for line in list(diagnostics)[:25]:
        print(f"#   {line}", flush=True)


def skip(what, why):
    global count
    count += 1
    print(f"ok {count} - {what} # SKIP {why}", flush=True)


def check(what, problems):
    if problems:
        not_ok(what, problems)
    else:
        ok(what)


class Browser:
    """A headless Chromium, spoken to over --remote-debugging-pipe (fd 3: commands in, fd 4: replies)."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="check-book-chromium.")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def child_fds():
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--disable-default-apps", "--mute-audio",
                "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank"]
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, preexec_fn=child_fds, pass_fds=(3, 4))
        except OSError:
            for fd in (to_browser_r, self.to_browser, self.from_browser, from_browser_w):
                os.close(fd)
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.next_id = 0
        self.buffer = b""
        self.events = []
        self.replies = {}
        self.lock = threading.Condition()
        self.closed = False
        self.stderr_text = b""
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.session = None

    def _read_stderr(self):
        self.stderr_text = self.proc.stderr.read()

    def _read(self):
        while True:
            try:
                chunk = os.read(self.from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self.lock:
                    self.closed = True
                    self.lock.notify_all()
                return
            self.buffer += chunk
            while b"\0" in self.buffer:
                message, self.buffer = self.buffer.split(b"\0", 1)
                data = json.loads(message)
                with self.lock:
                    if "id" in data:
                        self.replies[data["id"]] = data
                    else:
                        self.events.append(data)
                    self.lock.notify_all()

    def send(self, method, params=None, timeout=30, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        with self.lock:
            while self.next_id not in self.replies:
                if self.closed:
                    raise RuntimeError("the browser went away: " + self.stderr_text.decode(errors="replace")[-300:])
                left = deadline - time.time()
                if left <= 0:
                    raise RuntimeError(f"no answer to {method} in {timeout}s")
                self.lock.wait(left)
            reply = self.replies.pop(self.next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def wait_event(self, method, timeout=30):
        deadline = time.time() + timeout
        with self.lock:
            while True:
                for i, event in enumerate(self.events):
                    if event.get("method") == method:
                        return self.events.pop(i)
                if self.closed:
                    raise RuntimeError("the browser went away")
                left = deadline - time.time()
                if left <= 0:
                    raise RuntimeError(f"no {method} in {timeout}s")
                self.lock.wait(left)

    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Network.enable")
        self.send("Runtime.enable")

    def viewport(self, width, height, mobile=False):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def navigate(self, url, timeout=60):
        with self.lock:
            self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", timeout)

    def evaluate(self, expression, timeout=60):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in result:
            raise RuntimeError("script failed: " + json.dumps(result["exceptionDetails"])[:400])
        return result["result"].get("value")

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def requests(self):
        with self.lock:
            urls = [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]
            self.events = [e for e in self.events if e.get("method") != "Network.requestWillBeSent"]
        return urls

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


# What the page reports about itself, in one evaluation per window size.
MEASURE = r"""
(() => {
  const out = {};
  const root = document.documentElement;
  out.viewport = root.clientWidth;
  out.pageScrollWidth = Math.max(root.scrollWidth, document.body.scrollWidth);
  // Links: every in-page link lands on an element; relative file links are listed for the caller.
  out.badLinks = []; out.fileLinks = []; out.tocLinks = 0; out.links = 0;
  for (const a of document.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href');
    if (href.startsWith('#')) {
      out.links++;
      if (a.closest('nav#TOC')) out.tocLinks++;
      const id = decodeURIComponent(href.slice(1));
      if (id && !document.getElementById(id)) out.badLinks.push(href + ' (' + a.textContent.trim().slice(0, 40) + ')');
    } else if (!/^[a-z]+:/i.test(href)) {
      out.fileLinks.push(href);
    }
  }
  // Listings: a box whose content is wider than the box scrolls; a box past the window's edge is cut.
  out.listings = 0; out.overflowing = [];
  for (const pre of document.querySelectorAll('pre')) {
    out.listings++;
    const box = pre.closest('div.sourceCode') || pre;
    const r = box.getBoundingClientRect();
    const wide = Math.max(pre.scrollWidth - pre.clientWidth, box.scrollWidth - box.clientWidth);
    const past = r.right - root.clientWidth;
    if (wide > 1 || past > 1) {
      const where = pre.closest('div.listing');
      const file = where ? where.querySelector('.listing-file, .listing-output') : null;
      const first = (pre.textContent.split('\n').find(l => l.trim()) || '').trim().slice(0, 50);
      out.overflowing.push((file ? file.textContent.trim() : 'a code block') + ': "' + first + '" ' +
        (wide > 1 ? 'scrolls ' + Math.round(wide) + ' px' : '') + (past > 1 ? ' goes ' + Math.round(past) + ' px past the window' : ''));
    }
  }
  // Figures: decoded, numbered, captioned, and the size of their smallest text as drawn.
  out.figures = [];
  for (const img of document.querySelectorAll('figure img')) {
    const fig = img.closest('figure');
    const cap = fig.querySelector('figcaption');
    const strong = cap ? cap.querySelector('strong') : null;
    const f = { src: (img.getAttribute('src') || '').slice(0, 40), decoded: img.complete && img.naturalWidth > 0,
                number: strong ? strong.textContent.trim() : '',
                caption: cap ? cap.textContent.replace(strong ? strong.textContent : '', '').trim() : '',
                width: img.getBoundingClientRect().width, minText: null, inDiv: !!img.closest('div.figure') };
    const src = img.getAttribute('src') || '';
    let svgText = null;
    if (src.startsWith('data:image/svg+xml')) {
      const comma = src.indexOf(',');
      const meta = src.slice(0, comma);
      svgText = meta.includes(';base64') ? new TextDecoder().decode(Uint8Array.from(atob(src.slice(comma + 1)), c => c.charCodeAt(0)))
                                         : decodeURIComponent(src.slice(comma + 1));
    }
    if (svgText) {
      const svg = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
      const vb = (svg.getAttribute('viewBox') || '').split(/[ ,]+/).map(Number);
      const g = svg.querySelector('g');
      const m = /scale\(([\d.]+)/.exec(g ? g.getAttribute('transform') || '' : '');
      const scale = m ? Number(m[1]) : 1;
      let min = Infinity, minText = '';
      for (const t of svg.querySelectorAll('text')) {
        const size = Number(t.getAttribute('font-size') || (t.closest('[font-size]') || {getAttribute: () => 14}).getAttribute('font-size'));
        if (size < min) { min = size; minText = t.textContent; }
      }
      if (vb.length === 4 && min < Infinity) {
        f.minText = min * scale * f.width / vb[2];
        f.minWhat = minText.slice(0, 30);
      }
      f.name = (svg.querySelector('title') || {textContent: ''}).textContent;
    }
    out.figures.push(f);
  }
  const toc = document.getElementById('TOC');
  out.sidebarFixed = toc ? getComputedStyle(toc).position === 'fixed' : false;
  out.chapterNavs = document.querySelectorAll('div.chapter-nav').length;
  out.chapters = document.querySelectorAll('h1:not(.title)').length;
  return out;
})()
"""

SCROLL_AND_MARK = r"""
(async () => {
  const h = document.getElementById(%s);
  if (!h) return 'no heading';
  h.scrollIntoView();
  // Wait (up to 5 s, on a busy machine) for the script's next frame to mark the place.
  for (let i = 0; i < 50; i++) {
    await new Promise(r => setTimeout(r, 100));
    const c = document.querySelector('nav#TOC a.current');
    if (c && c.getAttribute('href') === '#' + h.id) break;
  }
  const cur = document.querySelector('nav#TOC a.current');
  const folded = document.querySelectorAll('nav#TOC li.folded').length;
  return cur ? cur.getAttribute('href') + ' folded=' + folded : 'nothing marked';
})()
"""

OVERLAY = r"""
(async () => {
  const img = document.querySelector('div.figure img');
  if (!img) return 'no figure';
  img.click();
  for (let i = 0; i < 50 && !document.querySelector('div.figure-overlay img'); i++)
    await new Promise(r => setTimeout(r, 100));
  const o = document.querySelector('div.figure-overlay img');
  if (!o) return 'no overlay';
  const w = o.getBoundingClientRect().width, n = img.naturalWidth;
  document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}));
  await new Promise(r => setTimeout(r, 100));
  const gone = !document.querySelector('div.figure-overlay');
  return (w >= n - 1 ? 'full size' : 'too small ' + w + ' < ' + n) + (gone ? '' : ', Esc does not close it');
})()
"""


def start_browser():
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        return None, "no chromium on PATH (tools/install-deps.sh installs it)"
    try:
        browser = Browser(binary)
        browser.open_page()
        return browser, None
    except Exception as e:  # noqa: BLE001 - any failure to start is a reason to skip
        try:
            browser.close()
        except Exception:
            pass
        return None, f"it did not start ({str(e)[:200]})"


def html_checks(browser, book_dir):
    html = os.path.abspath(os.path.join(book_dir, "book.html"))
    url = "file://" + urllib.parse.quote(html)
    browser.viewport(1280, 900)
    browser.requests()
    browser.navigate(url)
    m = browser.evaluate(MEASURE)
    shots = os.environ.get("CHECK_BOOK_SHOTS")  # a folder: screenshots of the places named in CHECK_BOOK_AT
    if shots:
        for place in os.environ.get("CHECK_BOOK_AT", "ch03").split():
            browser.evaluate(f"document.getElementById({json.dumps(place)}).scrollIntoView()")
            time.sleep(0.4)
            browser.screenshot(os.path.join(shots, f"{place}.png"))
    requests = [u for u in browser.requests() if not u.startswith("data:") and u != url]

    check(f"every one of the {m['links']} internal links lands ({m['tocLinks']} in the table of contents)",
          m["badLinks"])
    missing = []
    for href in sorted(set(m["fileLinks"])):
        path = os.path.join(book_dir, urllib.parse.unquote(href.split("#")[0]))
        if not os.path.exists(path):
            missing.append(f"{href}: no {path}")
    check(f"every link to a file beside the book finds it ({len(set(m['fileLinks']))} files: the chapter diffs)",
          missing)
    figs = m["figures"]
    check(f"every one of the {len(figs)} figures decodes", [f["src"] for f in figs if not f["decoded"]])
    check("every figure has a number and a caption",
          [f"{f.get('name') or f['src']}: number '{f['number']}', caption '{f['caption'][:30]}'" for f in figs
           if not re.fullmatch(r"Figure\s[0-9A-Z]+\.\d+\.", f["number"]) or len(f["caption"]) < 10])
    for f in figs:
        print(f"# {f['number']} {f.get('name')}: drawn {f['width']:.0f} px wide, smallest text "
              f"{f['minText'] or 0:.1f} px ('{f.get('minWhat')}')", flush=True)
    small = [f"{f.get('name')}: '{f.get('minWhat')}' is {f['minText']:.1f} px ({f['width']:.0f} px wide)"
             for f in figs if f["minText"] is not None and f["minText"] < MIN_FIGURE_PX]
    unmeasured = [f"{f['src']}: cannot measure its text" for f in figs if f["minText"] is None]
    check(f"at 1280 px no figure's text is under {MIN_FIGURE_PX:g} px (smallest: "
          f"{min((f['minText'] for f in figs if f['minText']), default=0):.1f} px)", small + unmeasured)
    check(f"at 1280 px none of the {m['listings']} listings overflows its box", m["overflowing"])
    check("at 1280 px the page does not scroll sideways",
          [] if m["pageScrollWidth"] <= m["viewport"] + 1 else [f"page {m['pageScrollWidth']} px, window {m['viewport']} px"])
    check("at 1280 px the table of contents is a sidebar, and every chapter ends with previous/next links",
          ([] if m["sidebarFixed"] else ["nav#TOC is not position: fixed"]) +
          ([] if m["chapterNavs"] >= m["chapters"] else [f"{m['chapterNavs']} chapter-nav blocks for {m['chapters']} chapters"]))
    where = browser.evaluate(SCROLL_AND_MARK % json.dumps("ch03"))
    check("scrolled to chapter 3, the sidebar marks it and folds the other chapters",
          [] if where.startswith("#ch03") and "folded=0" not in where else [f"marked: {where}"])
    overlay = browser.evaluate(OVERLAY)
    check("a click on a figure opens it full size over the page, Esc closes it",
          [] if overlay == "full size" else [overlay])
    requests += [u for u in browser.requests() if not u.startswith("data:") and u != url]
    check("no request leaves the file", sorted(set(requests)))

    browser.viewport(400, 800, mobile=True)
    browser.navigate(url)
    m = browser.evaluate(MEASURE)
    check("at 400 px (a phone) the page does not scroll sideways",
          [] if m["pageScrollWidth"] <= m["viewport"] + 1 else [f"page {m['pageScrollWidth']} px, window {m['viewport']} px"])


def epub_files(book_dir, into):
    with zipfile.ZipFile(os.path.join(book_dir, "book.epub")) as z:
        z.extractall(into)
    chapters = []
    for dirpath, _, names in os.walk(into):
        for name in sorted(names):
            if re.fullmatch(r"ch\d+\.xhtml", name):
                chapters.append(os.path.join(dirpath, name))
    return sorted(chapters)


def epubcheck(book_dir):
    jar = os.environ.get("EPUBCHECK_JAR", "/usr/share/java/epubcheck.jar")
    java = shutil.which("java")
    what = "the EPUB passes epubcheck"
    if not java or not os.path.exists(jar):
        skip(what, "needs epubcheck: " + ("no java" if not java else f"no {jar}"))
        return
    run = subprocess.run([java, "-jar", jar, "-q", os.path.join(book_dir, "book.epub")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
    lines = [l for l in run.stdout.splitlines() if l.strip()]
    messages = [l for l in lines if re.match(r"(ERROR|FATAL|WARNING)", l)]
    if run.returncode == 0 and not messages:
        ok(what)
    else:
        not_ok(what, [f"epubcheck exited {run.returncode}, {len(messages)} messages"] + (messages or lines)[:20])


def epub_checks(browser, book_dir):
    scratch = tempfile.mkdtemp(prefix="check-book-epub.")
    try:
        chapters = epub_files(book_dir, scratch)
        browser.viewport(600, 900, mobile=True)
        problems, listings = [], 0
        for chapter in chapters:
            browser.navigate("file://" + urllib.parse.quote(chapter))
            m = browser.evaluate(MEASURE)
            listings += m["listings"]
            problems += [os.path.basename(chapter) + ": " + p for p in m["overflowing"]]
            if m["pageScrollWidth"] > m["viewport"] + 1:
                problems.append(f"{os.path.basename(chapter)}: the page is {m['pageScrollWidth']} px wide")
        check(f"in the EPUB at 600 px none of the {listings} listings overflows its box ({len(chapters)} chapter files)",
              problems if chapters else ["no chNNN.xhtml in the EPUB"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    book_dir = sys.argv[1] if len(sys.argv) > 1 else "build"
    for name in ("book.html", "book.epub"):
        if not os.path.exists(os.path.join(book_dir, name)):
            not_ok(f"{book_dir}/{name} exists", ["build it first: make book"])
            print(f"1..{count}")
            return 1
    html_names = ["every internal link lands", "every link to a file beside the book finds it",
                  "every figure decodes", "every figure has a number and a caption",
                  "at 1280 px no figure's text is under 11 px", "at 1280 px no listing overflows its box",
                  "at 1280 px the page does not scroll sideways", "at 1280 px the table of contents is a sidebar",
                  "scrolled to chapter 3, the sidebar marks it", "a click on a figure opens it full size",
                  "no request leaves the file", "at 400 px (a phone) the page does not scroll sideways",
                  "in the EPUB at 600 px no listing overflows its box"]
    browser, why = start_browser()
    if browser is None:
        for name in html_names:
            skip(name, "needs chromium: " + why)
    else:
        try:
            html_checks(browser, book_dir)
            epub_checks(browser, book_dir)
        except Exception as e:  # noqa: BLE001
            not_ok("the browser checks run to the end", [str(e)[:500]])
        finally:
            browser.close()
    epubcheck(book_dir)
    print(f"1..{count}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
