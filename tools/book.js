/* book.js: the HTML book's only script, inlined into build/book.html by tools/build-book.sh. It fetches
   nothing. Without it the book still reads: the sidebar is a static table of contents, figures are plain
   images.
   - The sidebar (nav#TOC, fixed at the left on a wide window) unfolds the sections of the chapter being
     read, folds the others, and marks the section in view.
   - A click on a figure (or Enter on it) shows it at its full size over the page; a click or Esc closes. */
(function () {
    "use strict";
    var toc = document.getElementById("TOC");
    var wide = window.matchMedia("(min-width: 1100px)");

    /* The sidebar: every heading the table of contents links to, in page order. */
    var entries = [];
    if (toc) {
        var links = toc.querySelectorAll("a[href^='#']");
        for (var i = 0; i < links.length; i++) {
            var id = decodeURIComponent(links[i].getAttribute("href").slice(1));
            var target = document.getElementById(id);
            if (target) entries.push({ link: links[i], target: target, chapter: links[i].closest("nav#TOC > ul > li") });
        }
    }
    var current = null;

    function fold(openChapter) {
        var chapters = toc.querySelectorAll("nav#TOC > ul > li");
        for (var i = 0; i < chapters.length; i++) {
            chapters[i].classList.toggle("folded", wide.matches && chapters[i] !== openChapter);
        }
    }

    function mark() {
        if (!entries.length) return;
        var line = 90, found = entries[0];
        for (var i = 0; i < entries.length; i++) {
            if (entries[i].target.getBoundingClientRect().top <= line) found = entries[i];
            else break;
        }
        if (found === current) return;
        if (current) current.link.classList.remove("current");
        current = found;
        current.link.classList.add("current");
        fold(current.chapter);
        if (wide.matches) {
            var box = toc.getBoundingClientRect(), at = current.link.getBoundingClientRect();
            if (at.top < box.top + 40 || at.bottom > box.bottom - 40) {
                toc.scrollTop += at.top - box.top - box.height / 3;
            }
        }
    }

    var pending = false;
    function onScroll() {
        if (pending) return;
        pending = true;
        window.requestAnimationFrame(function () { pending = false; mark(); });
    }
    if (toc) {
        window.addEventListener("scroll", onScroll, { passive: true });
        window.addEventListener("resize", function () { current = null; mark(); });
        window.addEventListener("hashchange", function () { current = null; mark(); });
        mark();
    }

    /* The figure overlay. */
    var overlay = null;
    function close() {
        if (overlay) { overlay.remove(); overlay = null; document.body.style.overflow = ""; }
    }
    function open(img) {
        close();
        overlay = document.createElement("div");
        overlay.className = "figure-overlay";
        overlay.setAttribute("role", "dialog");
        var bar = document.createElement("p");
        var caption = img.closest("figure").querySelector("figcaption strong");
        bar.textContent = (caption ? caption.textContent + " " : "") + "Full size: scroll to see all of it; click or press Esc to close.";
        var big = document.createElement("img");
        big.src = img.src;
        big.alt = img.alt;
        var natural = img.naturalWidth || img.width;
        /* At least its own size, and at least the window's width on a small screen. */
        big.style.width = Math.max(natural, Math.min(window.innerWidth, natural * 2)) + "px";
        overlay.appendChild(bar);
        overlay.appendChild(big);
        overlay.addEventListener("click", close);
        document.body.appendChild(overlay);
        document.body.style.overflow = "hidden";
    }
    document.addEventListener("keydown", function (e) {
        if (e.key === "Escape") close();
    });
    var figures = document.querySelectorAll("div.figure img");
    for (var f = 0; f < figures.length; f++) {
        (function (img) {
            img.tabIndex = 0;
            img.title = "Click to see it full size";
            img.addEventListener("click", function () { open(img); });
            img.addEventListener("keydown", function (e) { if (e.key === "Enter") open(img); });
        })(figures[f]);
    }
})();
