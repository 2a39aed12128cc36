--[[
include-code.lua: listings in the book come from the code that is compiled.

A fenced block such as

    ```{.c include="code/ch01/get-poetry.c" snippet="get-poem"}
    ```

is replaced by the lines between the marker lines `/* >> get-poem */` and `/* << get-poem */` of that
file (markers may also be `# >> name` / `# << name`, or `// >> name` / `// << name`). Without
`snippet`, the whole file. Marker lines of other snippets inside the listing are dropped, and the
listing's common indentation is removed. Paths are relative to the folder pandoc runs in (the
workbook's top folder).

Above the listing goes a small caption naming the file (a Div of class "listing-file"). Program output
(a `.text` block including a file under chapters/outputs/) is captioned "output" instead.

A missing file or snippet is an error: the message names the chapter, the snippet and the file, and
pandoc exits non-zero, so `make book` (and `make test`) fail.

tools/build-book.sh joins the chapters into one source, with a line
`<!-- include-code-source: chapters/NN-slug.md -->` before each; that is how an error names the
chapter. Run on a single file, the error names that file.
]]

local SOURCE_MARK = "^%s*<!%-%-%s*include%-code%-source:%s*(.-)%s*%-%->%s*$"

local function default_source()
  local files = PANDOC_STATE and PANDOC_STATE.input_files or {}
  if #files == 1 then return files[1] end
  if #files == 0 then return "(stdin)" end
  return table.concat(files, "+")
end

local current_source = default_source()

local function fail(message)
  local text = "include-code: " .. current_source .. ": " .. message
  io.stderr:write(text .. "\n")
  error(text, 0)
end

-- marker(line): "open"/"close" and the snippet's name when line is a marker line, else nil.
local function marker(line)
  local patterns = {
    "^%s*/%*%s*(>>)%s*([%w_.:-]+)%s*%*/%s*$",
    "^%s*/%*%s*(<<)%s*([%w_.:-]+)%s*%*/%s*$",
    "^%s*#%s*(>>)%s*([%w_.:-]+)%s*$",
    "^%s*#%s*(<<)%s*([%w_.:-]+)%s*$",
    "^%s*//%s*(>>)%s*([%w_.:-]+)%s*$",
    "^%s*//%s*(<<)%s*([%w_.:-]+)%s*$",
  }
  for _, pattern in ipairs(patterns) do
    local kind, name = line:match(pattern)
    if kind then return (kind == ">>") and "open" or "close", name end
  end
  return nil
end

local function read_lines(path)
  local file = io.open(path, "rb")
  if not file then return nil end
  local text = file:read("a")
  file:close()
  local lines = {}
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\r?\n") do
    lines[#lines + 1] = line
  end
  return lines
end

-- select_lines(lines, snippet, path): the listing's lines, markers dropped.
local function select_lines(lines, snippet, path)
  local out = {}
  if not snippet then
    for _, line in ipairs(lines) do
      if not marker(line) then out[#out + 1] = line end
    end
    return out
  end
  local inside, found, closed = false, false, false
  for _, line in ipairs(lines) do
    local kind, name = marker(line)
    if kind and name == snippet then
      if kind == "open" then
        if found then fail("snippet '" .. snippet .. "' opens twice in " .. path) end
        inside, found = true, true
      else
        if not inside then fail("snippet '" .. snippet .. "' closes before it opens in " .. path) end
        inside, closed = false, true
      end
    elseif inside and not kind then
      out[#out + 1] = line
    end
  end
  if not found then fail("no snippet '" .. snippet .. "' in " .. path) end
  if not closed then fail("snippet '" .. snippet .. "' is never closed (no '<< " .. snippet .. "') in " .. path) end
  return out
end

-- dedent(lines): removes the indentation all non-blank lines share, and blank lines at both ends.
local function dedent(lines)
  local common
  for _, line in ipairs(lines) do
    if line:match("%S") then
      local indent = line:match("^[ \t]*")
      if common == nil or #indent < #common then common = indent end
    end
  end
  common = common or ""
  local out = {}
  for _, line in ipairs(lines) do
    if line:sub(1, #common) == common then
      out[#out + 1] = line:sub(#common + 1)
    else
      out[#out + 1] = line:match("^%s*(.-)$")
    end
  end
  while #out > 0 and not out[1]:match("%S") do table.remove(out, 1) end
  while #out > 0 and not out[#out]:match("%S") do table.remove(out) end
  return out
end

-- In the EPUB a listing must not be cut on a narrow e-reader, and many cannot scroll sideways: a line
-- longer than WRAP columns is broken there (at a space when one is near), and the rest goes on the next
-- line after the same indentation and the mark "↪ ". The HTML book shows the lines whole (tools/book.css
-- makes its listings wide enough). LISTING_WRAP (environment) sets the width; 0 turns the wrap off.
local WRAP = tonumber(os.getenv("LISTING_WRAP") or "") or (FORMAT:match("epub") and 68 or 0)
local MARK = "\u{21AA} "

local function utf8_len(s) return utf8.len(s) or #s end

local function utf8_sub(s, i, j)
  local from = utf8.offset(s, i) or (#s + 1)
  local to = j and ((utf8.offset(s, j + 1) or (#s + 1)) - 1) or #s
  return s:sub(from, to)
end

local function wrap_line(line, width, out)
  line = line:gsub("\t", "    ")
  if width <= 0 or utf8_len(line) <= width then out[#out + 1] = line return end
  local indent = line:match("^ *")
  if #indent > width // 2 then indent = string.rep(" ", width // 2) end
  local prefix = ""
  while utf8_len(prefix .. line) > width do
    local room = width - utf8_len(prefix)
    local head = utf8_sub(line, 1, room)
    -- Break after the last space in the line's second half, else after a comma or an opening
    -- parenthesis there, else at the width.
    local cut = nil
    for k = room, math.floor(room / 2), -1 do
      if utf8_sub(line, k, k) == " " then cut = k break end
    end
    for k = room, math.floor(room / 2), -1 do
      if cut then break end
      local c = utf8_sub(line, k, k)
      if c == "," or c == "(" or c == ";" then cut = k end
    end
    cut = cut or room
    head = utf8_sub(line, 1, cut)
    out[#out + 1] = prefix .. (head:gsub("%s+$", ""))
    line = utf8_sub(line, cut + 1):gsub("^%s+", "")
    prefix = indent .. MARK
  end
  out[#out + 1] = prefix .. line
end

local function wrap(lines, width)
  if width <= 0 then return lines end
  local out = {}
  for _, line in ipairs(lines) do wrap_line(line, width, out) end
  return out
end

local function is_output(block, path)
  return block.classes:includes("text") and path:match("^chapters/outputs/") ~= nil
end

local function include(block)
  local path = block.attributes["include"]
  if not path then return nil end
  local snippet = block.attributes["snippet"]
  if snippet == "" then snippet = nil end
  local lines = read_lines(path)
  if not lines then fail("cannot read " .. path .. " (no such file?)") end
  local listing = dedent(select_lines(lines, snippet, path))
  if #listing == 0 then
    fail((snippet and ("snippet '" .. snippet .. "' in ") or "") .. path .. " is empty")
  end

  local attributes = {}
  for key, value in pairs(block.attributes) do
    if key ~= "include" and key ~= "snippet" then attributes[key] = value end
  end
  local code = pandoc.CodeBlock(table.concat(wrap(listing, WRAP), "\n"),
    pandoc.Attr(block.identifier, block.classes, attributes))

  local caption, kind
  if is_output(block, path) then
    caption, kind = pandoc.Plain({ pandoc.Str("output") }), "listing-output"
  else
    caption, kind = pandoc.Plain({ pandoc.Code(path) }), "listing-file"
  end
  return pandoc.Div({ pandoc.Div({ caption }, pandoc.Attr("", { kind })), code },
    pandoc.Attr("", { "listing" }))
end

function Pandoc(doc)
  local blocks = {}
  for _, block in ipairs(doc.blocks) do
    local source = block.t == "RawBlock" and block.text:match(SOURCE_MARK)
    if source then
      current_source = source -- the marker has done its job; it does not reach the book
    else
      if block.t == "CodeBlock" then
        block = include(block) or block
      else
        block = pandoc.walk_block(block, { CodeBlock = include })
      end
      blocks[#blocks + 1] = block
    end
  end
  doc.blocks = blocks
  return doc
end
