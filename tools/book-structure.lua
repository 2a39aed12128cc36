--[[
book-structure.lua: what makes the joined chapters read as one book. Runs last, after graphviz.lua and
include-code.lua (tools/build-book.sh passes the filters in that order).

Figures, numbered per chapter. A figure is an image alone in its paragraph (a `.dot` file, a ```` ```dot ````
block, or any other image, e.g. a plot a later chapter generates). Give it an identifier that starts with
`fig:` and refer to it by that name with an `@`:

    ![The timer heap. Read it top down.](figures/ch04-timer-heap.dot){#fig:timer-heap}

    ```{.dot #fig:reactor-loop caption="The reactor loop."}
    digraph { ... }
    ```

    As @fig:timer-heap shows, ...        (becomes "As Figure 4.3 shows", a link to the figure)

The caption gets "Figure C.N" in front (C: the chapter's number, or the appendix's letter). A reference to
a name no figure has fails the build, as does a figure without a caption or two figures with one name.

Chapters. A level-1 heading starts a chapter (numbered ones are chapters, "Appendix X: ..." ones
appendices, other unnumbered ones front matter such as the preface). In HTML, each chapter ends with
previous / next chapter links, and a chapter whose code has a diff (build/diffs/chNN.html, from
tools/make-diffs.sh) links to it ("What changed in the code").

The edition. An empty Div with the identifier `edition` (`::: {#edition}` `:::`) is filled with the list
of the chapters and appendices this edition has, made from the headings, so it stays true as chapters
land. "chapter N" in the prose, where N is a chapter this edition does not have, gets "(not in this
edition)" after it.

Environment: BOOK_DIFFS, the folder of the diff pages relative to the HTML book (default "diffs"), and
BOOK_DIFFS_DIR, where to look for them on disk (default build/diffs); a missing page gets no link.
]]

local is_html = FORMAT:match("html") ~= nil
local DIFFS_HREF = os.getenv("BOOK_DIFFS") or "diffs"
local DIFFS_DIR = os.getenv("BOOK_DIFFS_DIR") or "build/diffs"

local function fail(message)
  local text = "book-structure: " .. message
  io.stderr:write(text .. "\n")
  error(text, 0)
end

local function file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

-- The chapters: one entry per level-1 heading, in order.
-- { id, title (inlines), number ("3", "A" or nil), kind ("chapter"/"appendix"/"front") }
local function collect_chapters(blocks)
  local chapters, n = {}, 0
  for _, block in ipairs(blocks) do
    if block.t == "Header" and block.level == 1 then
      local text = pandoc.utils.stringify(block.content)
      local entry = { id = block.identifier, title = block.content, text = text }
      if block.classes:includes("unnumbered") then
        local letter = text:match("^Appendix (%u)[:%.]")
        if letter then
          entry.kind, entry.number = "appendix", letter
        else
          entry.kind = "front"
        end
      else
        n = n + 1
        entry.kind, entry.number = "chapter", tostring(n)
      end
      chapters[#chapters + 1] = entry
    end
  end
  return chapters
end

-- figure_image(block): the image when block is a paragraph holding only an image (a figure).
local function figure_image(block)
  if block.t ~= "Para" or #block.content ~= 1 or block.content[1].t ~= "Image" then return nil end
  return block.content[1]
end

local function html_id(name) return (name:gsub("[^%w_-]", "-")) end

function Pandoc(doc)
  local chapters = collect_chapters(doc.blocks)
  local numbers_in_edition = {}
  local last_chapter = 0
  for _, c in ipairs(chapters) do
    if c.kind == "chapter" then
      numbers_in_edition[tonumber(c.number)] = true
      last_chapter = math.max(last_chapter, tonumber(c.number))
    end
  end

  -- Pass 1: number the figures.
  local figures, order = {}, {}
  local current, count = nil, 0
  local figure_at = {}
  for index, block in ipairs(doc.blocks) do
    if block.t == "Header" and block.level == 1 then
      for _, c in ipairs(chapters) do if c.id == block.identifier then current = c end end
      count = 0
    end
    local image = figure_image(block)
    if image then
      count = count + 1
      local prefix = current and current.number or "0"
      local label = "Figure\u{00A0}" .. prefix .. "." .. count
      local name = image.identifier ~= "" and image.identifier or nil
      if #image.caption == 0 then
        fail(label .. " (" .. image.src:sub(1, 60) .. ") has no caption; every figure says what to look at")
      end
      if name then
        if figures[name] then fail("two figures are named '" .. name .. "'") end
        if not name:match("^fig:") then
          fail("the figure '" .. name .. "' needs an identifier that starts with 'fig:' (e.g. {#fig:" .. name .. "})")
        end
      else
        name = "fig:" .. (current and current.id or "front") .. "-" .. count
      end
      figures[name] = { label = label, id = html_id(name) }
      order[#order + 1] = name
      figure_at[index] = name
    end
  end

  -- Inline rewriting: figure references and chapters not in this edition.
  local function rewrite_inlines(inlines)
    local out = pandoc.List()
    local i = 1
    while i <= #inlines do
      local el = inlines[i]
      if el.t == "Cite" and #el.citations == 1 and el.citations[1].id:match("^fig:") then
        local name = el.citations[1].id
        local fig = figures[name]
        if not fig then fail("@" .. name .. " refers to no figure (figure names: {#fig:NAME} after the image)") end
        out:insert(pandoc.Link({ pandoc.Str(fig.label) }, "#" .. fig.id, "", pandoc.Attr("", { "figure-ref" })))
        i = i + 1
      elseif el.t == "Str" and el.text:match("^%p*[Cc]hapter$")
          and inlines[i + 1] and (inlines[i + 1].t == "Space" or inlines[i + 1].t == "SoftBreak")
          and inlines[i + 2] and inlines[i + 2].t == "Str" and inlines[i + 2].text:match("^%d+") then
        local digits, rest = inlines[i + 2].text:match("^(%d+)(.*)$")
        local n = tonumber(digits)
        out:insert(el); out:insert(inlines[i + 1])
        if numbers_in_edition[n] or rest:match("^%w") then
          out:insert(inlines[i + 2])
        else
          local possessive = rest:match("^('s)") or rest:match("^(\u{2019}s)") or ""
          rest = rest:sub(#possessive + 1)
          out:insert(pandoc.Str(digits .. possessive))
          local note = "not in this edition"
          if rest:match("^%)") then
            out:insert(pandoc.Span({ pandoc.Str(", " .. note) }, pandoc.Attr("", { "not-in-edition" })))
          else
            out:insert(pandoc.Space())
            out:insert(pandoc.Span({ pandoc.Str("(" .. note .. ")") }, pandoc.Attr("", { "not-in-edition" })))
          end
          if rest ~= "" then out:insert(pandoc.Str(rest)) end
        end
        i = i + 3
      else
        out:insert(el)
        i = i + 1
      end
    end
    return out
  end

  -- The edition's list of chapters.
  local function edition_blocks()
    local items = {}
    local n_chapters, n_appendices = 0, 0
    for _, c in ipairs(chapters) do
      if c.kind ~= "front" then
        local label = c.kind == "chapter" and ("Chapter " .. c.number .. ": ") or ""
        local inl = pandoc.List({ pandoc.Str(label) })
        inl:extend(c.title)
        items[#items + 1] = { pandoc.Plain({ pandoc.Link(inl, "#" .. c.id) }) }
        if c.kind == "chapter" then n_chapters = n_chapters + 1 else n_appendices = n_appendices + 1 end
      end
    end
    local text = string.format("This edition has %d chapter%s and %d %s. The book is written a chapter"
      .. " at a time, and the text sometimes looks ahead to chapters after chapter %d; where it does, it says"
      .. " \"(not in this edition)\".", n_chapters, n_chapters == 1 and "" or "s", n_appendices,
      n_appendices == 1 and "appendix" or "appendices", last_chapter)
    return { pandoc.Para(pandoc.read(text, "markdown").blocks[1].content), pandoc.BulletList(items) }
  end

  local function chapter_nav(index)
    if not is_html then return nil end
    local c = chapters[index]
    local parts = {}
    local function link_to(other, rel, arrow_before, arrow_after)
      local inl = pandoc.List({ pandoc.Str(arrow_before) })
      if other.number and other.kind == "chapter" then inl:insert(pandoc.Str(other.number .. " ")) end
      inl:extend(other.title)
      inl:insert(pandoc.Str(arrow_after))
      return pandoc.Link(inl, "#" .. other.id, "", pandoc.Attr("", { rel }))
    end
    if chapters[index - 1] then parts[#parts + 1] = link_to(chapters[index - 1], "prev", "← ", "") end
    if c.kind == "chapter" then
      local ch = string.format("ch%02d", tonumber(c.number))
      if file_exists(DIFFS_DIR .. "/" .. ch .. ".html") then
        parts[#parts + 1] = pandoc.Link({ pandoc.Str("What changed in the code") },
          DIFFS_HREF .. "/" .. ch .. ".html", "", pandoc.Attr("", { "diff" }))
      end
    end
    if chapters[index + 1] then parts[#parts + 1] = link_to(chapters[index + 1], "next", "", " →") end
    local inlines = pandoc.List()
    for k, p in ipairs(parts) do
      if k > 1 then inlines:insert(pandoc.Space()) end
      inlines:insert(p)
    end
    return pandoc.Div({ pandoc.Plain(inlines) }, pandoc.Attr("", { "chapter-nav" }))
  end

  -- Pass 2: build the new block list.
  local blocks = pandoc.List()
  local chapter_index = 0
  local inline_filter = { Inlines = rewrite_inlines }
  for index, block in ipairs(doc.blocks) do
    if block.t == "Header" and block.level == 1 then
      if chapter_index > 0 then
        local nav = chapter_nav(chapter_index)
        if nav then blocks:insert(nav) end
      end
      chapter_index = chapter_index + 1
      blocks:insert(block)
    elseif figure_at[index] then
      local image = block.content[1]
      local fig = figures[figure_at[index]]
      local caption = pandoc.List({ pandoc.Strong({ pandoc.Str(fig.label .. ".") }), pandoc.Space() })
      caption:extend(rewrite_inlines(image.caption))
      image.caption = caption
      image.identifier = ""
      if image.title == "" then image.title = "fig:" end
      blocks:insert(pandoc.Div({ pandoc.Para({ image }) }, pandoc.Attr(fig.id, { "figure" })))
    elseif block.t == "Div" and block.identifier == "edition" then
      block.content = edition_blocks()
      blocks:insert(block)
    else
      blocks:insert(pandoc.walk_block(block, inline_filter))
    end
  end
  if chapter_index > 0 then
    local nav = chapter_nav(chapter_index)
    if nav then blocks:insert(nav) end
  end
  doc.blocks = blocks
  return doc
end
