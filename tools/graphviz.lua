--[[
graphviz.lua: figures drawn with graphviz become SVG images in the book.

Two spellings:

    ```{.dot caption="The reactor loop" name="reactor-loop"}
    digraph { ... }
    ```

    ![The reactor loop](figures/reactor-loop.dot)

Each is rendered with `dot -Tsvg` into build/figures/NAME.svg (NAME: the `name` attribute or the
file's name, else a hash of the source; the set folder can be changed with the environment variable
GRAPHVIZ_OUT) and shown as a figure with its caption. A file that cannot be read, or a graph dot rejects,
fails the build with a message naming the figure and dot's own complaint.

Run it before include-code.lua: both read the `<!-- include-code-source: FILE -->` lines that
tools/build-book.sh puts before each chapter, so errors name the chapter; include-code.lua removes them.
]]

local SOURCE_MARK = "^%s*<!%-%-%s*include%-code%-source:%s*(.-)%s*%-%->%s*$"
local OUT_DIR = os.getenv("GRAPHVIZ_OUT") or "build/figures"

local function default_source()
  local files = PANDOC_STATE and PANDOC_STATE.input_files or {}
  if #files == 1 then return files[1] end
  if #files == 0 then return "(stdin)" end
  return table.concat(files, "+")
end
local current_source = default_source()

local function fail(message)
  local text = "graphviz: " .. current_source .. ": " .. message
  io.stderr:write(text .. "\n")
  error(text, 0)
end

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function read_file(path)
  local file = io.open(path, "rb")
  if not file then return nil end
  local text = file:read("a")
  file:close()
  return text
end

local function write_file(path, text)
  local file = io.open(path, "wb")
  if not file then fail("cannot write " .. path) end
  file:write(text)
  file:close()
end

-- render(source, name, what[, file]): writes OUT_DIR/name.svg from the dot source (or from file, so
-- that dot's complaints name it); returns the SVG's path.
local function render(source, name, what, file)
  os.execute("mkdir -p " .. shell_quote(OUT_DIR))
  local svg = OUT_DIR .. "/" .. name .. ".svg"
  local input = file or (svg .. ".dot.tmp")
  local errors = svg .. ".err.tmp"
  if not file then write_file(input, source) end
  local ok = os.execute("dot -Tsvg -o " .. shell_quote(svg .. ".tmp") .. " " .. shell_quote(input)
    .. " 2>" .. shell_quote(errors))
  local complaint = (read_file(errors) or ""):gsub("%s+$", "")
  if not file then os.remove(input) end
  os.remove(errors)
  if not ok then
    os.remove(svg .. ".tmp")
    fail("dot cannot draw " .. what .. (complaint ~= "" and (": " .. complaint) or ""))
  end
  -- The DOCTYPE dot writes names a remote DTD: EPUB readers (and epubcheck) refuse it, and no browser
  -- needs it. Drop it and the comments, so the SVG is plain XML.
  local text = read_file(svg .. ".tmp") or ""
  text = text:gsub("<!DOCTYPE[^>]*>%s*", ""):gsub("<!%-%-.-%-%->%s*", "")
  write_file(svg, text)
  os.remove(svg .. ".tmp")
  return svg
end

local function hash_name(source)
  return "graph-" .. pandoc.utils.sha1(source):sub(1, 12)
end

local function caption_inlines(text)
  if not text or text == "" then return {} end
  local doc = pandoc.read(text, "markdown")
  if #doc.blocks == 0 then return {} end
  return doc.blocks[1].content or {}
end

local function dot_block(block)
  if not block.classes:includes("dot") then return nil end
  local caption = block.attributes["caption"]
  local name = block.attributes["name"] or (block.identifier ~= "" and block.identifier:gsub("^fig:", ""))
    or hash_name(block.text)
  local what = "the dot block " .. (caption and ("'" .. caption .. "'") or ("named " .. name))
  local svg = render(block.text, name, what)
  local image = pandoc.Image(caption_inlines(caption), svg, "fig:",
    pandoc.Attr(block.identifier, {}, {}))
  return pandoc.Para({ image })
end

local function dot_image(image)
  if not image.src:match("%.dot$") then return nil end
  local source = read_file(image.src)
  if not source then fail("cannot read the figure " .. image.src .. " (no such file?)") end
  local name = image.src:match("([^/]+)%.dot$")
  image.src = render(source, name, "the figure " .. image.src, image.src)
  return image
end

local filter = { CodeBlock = dot_block, Image = dot_image }

function Pandoc(doc)
  for i, block in ipairs(doc.blocks) do
    local source = block.t == "RawBlock" and block.text:match(SOURCE_MARK)
    if source then
      current_source = source
    elseif block.t == "CodeBlock" then
      doc.blocks[i] = dot_block(block) or block
    else
      doc.blocks[i] = pandoc.walk_block(block, filter)
    end
  end
  return doc
end
