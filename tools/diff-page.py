#!/usr/bin/python3
"""diff-page.py DIFF CHNN: the chapter diff tools/make-diffs.sh wrote, as one HTML page (on stdout).

The summary at the top becomes a table whose file names link to their part of the page; each file's
part shows its lines coloured (added green, removed red, hunk headers blue). The page is self-contained
(inline style, no script, nothing fetched) and links back to the chapter in ../book.html.
Standard library only.
"""

import html
import re
import sys

STYLE = """
body { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; color: #1d1d1f; background: #fff;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; line-height: 1.5; }
h1 { font-size: 1.6rem; margin: 0.5em 0 0.3em; }
h2 { font-size: 1.15rem; margin: 2em 0 0.4em; }
h2 code { font-size: 1em; }
a { color: #1a5fb4; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.95rem; }
th, td { padding: 0.2em 0.9em 0.2em 0; text-align: left; border-bottom: 1px solid #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.add { color: #1a7f37; } td.del { color: #b42318; }
pre { font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; font-size: 0.8rem;
      line-height: 1.4; background: #f6f6f3; border: 1px solid #e4e4df; border-radius: 4px; padding: 0.6em 0;
      overflow-x: auto; }
pre span { display: block; padding: 0 0.75em; white-space: pre; min-width: max-content; }
pre .add { background: #e6ffec; } pre .del { background: #ffebe9; } pre .hunk { background: #ddf4ff; color: #0550ae; }
pre .head { color: #666; }
p.nav { font-size: 0.92rem; }
"""


def main():
    path, chapter = sys.argv[1], sys.argv[2]
    number = int(chapter[2:])
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    summary = [l[2:] if l.startswith("# ") else l[1:] for l in lines if l.startswith("#")]
    body = [l for l in lines if not l.startswith("#")]

    # The summary's sections: "Changed: ...", "New: ...", "Gone: ..." with indented file lines.
    sections, current = [], None
    for line in summary[1:]:
        m = re.match(r"(Changed|New|Gone): (.*)", line)
        if m:
            current = (m.group(1), m.group(2), [])
            sections.append(current)
        elif line.startswith("  ") and current:
            current[2].append(line.strip())
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>What chapter {number} changed in the code</title><style>{STYLE}</style></head><body>",
           f'<p class="nav"><a href="../book.html#{chapter}">← back to chapter {number}</a> · '
           f'<a href="{chapter}.diff">the plain diff ({chapter}.diff)</a></p>',
           f"<h1>What chapter {number} changed in the code</h1>",
           f"<p>{html.escape(summary[0].split(': ', 1)[-1]) if summary else ''}</p>"]

    def anchor(name):
        return "file-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)

    for kind, total, files in sections:
        out.append(f"<h2>{kind}: {html.escape(total)}</h2>")
        if not files:
            continue
        out.append("<table>")
        for entry in files:
            parts = entry.split()
            name = parts[0]
            cells = "".join(
                f'<td class="n {"add" if p.startswith("+") else "del" if p.startswith("-") else ""}">{html.escape(p)}</td>'
                for p in parts[1:])
            link = f'<a href="#{anchor(name)}"><code>{html.escape(name)}</code></a>'
            out.append(f"<tr><td>{link}</td>{cells}</tr>")
        out.append("</table>")

    # The files' parts: inside <pre> the lines are block spans, with no newline between them.
    spans = None
    for line in body:
        m = re.match(r"diff -uN (\S+) (\S+)$", line)
        if m:
            if spans is not None:
                out.append("<pre>" + "".join(spans) + "</pre>")
            name = m.group(2).split("/", 2)[2] if m.group(2).count("/") >= 2 else m.group(2)
            out.append(f'<h2 id="{anchor(name)}"><code>{html.escape(name)}</code></h2>')
            spans = []
            continue
        if spans is None:
            continue
        cls = ("head" if line.startswith(("--- ", "+++ ")) else "hunk" if line.startswith("@@") else
               "add" if line.startswith("+") else "del" if line.startswith("-") else "")
        text = html.escape(line) if line else " "
        spans.append(f'<span class="{cls}">{text}</span>' if cls else f"<span>{text}</span>")
    if spans is not None:
        out.append("<pre>" + "".join(spans) + "</pre>")
    out.append(f'<p class="nav"><a href="../book.html#{chapter}">← back to chapter {number}</a></p></body></html>')
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
