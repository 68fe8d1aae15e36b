/// Pieces of plan.html: an accumulating page, sortable tables, and the inline Markdown of `Document`
/// blocks (code spans, bold, italics) turned into elements. Every text goes through `Markup`, and the
/// output is XHTML-compatible (every element closed, every attribute quoted) so tests can parse it as XML.
struct HTMLPage {
    private(set) var body = ""

    mutating func raw(_ markup: String) { body += markup }

    mutating func heading(_ text: String, level: Int = 2, id: String? = nil) {
        let anchor = id.map { " id=\"\(Markup.attribute($0))\"" } ?? ""
        body += "<h\(level)\(anchor)>\(HTMLPage.inline(text))</h\(level)>\n"
    }

    mutating func paragraph(_ text: String, className: String? = nil) {
        body += "<p\(className.map { " class=\"\($0)\"" } ?? "")>\(HTMLPage.inline(text))</p>\n"
    }

    /// A table whose cells are Markdown-inline text (escaped here).
    mutating func table(_ table: TextTable, caption: String? = nil) {
        self.table(headers: table.headers, rows: table.rows.map { $0.map { HTMLCell(html: HTMLPage.inline($0)) } }, caption: caption)
    }

    /// A sortable table (click a header); cells are ready markup. Rows may carry an anchor id.
    mutating func table(headers: [String], rows: [[HTMLCell]], rowIds: [String?] = [], caption: String? = nil) {
        guard !rows.isEmpty else {
            body += "<p class=\"none\">None.</p>\n"
            return
        }
        body += "<div class=\"scroll\"><table class=\"sortable\">"
        if let caption { body += "<caption>\(Markup.text(caption))</caption>" }
        body += "<thead><tr>"
        for header in headers { body += "<th title=\"sort\">\(Markup.text(header))</th>" }
        body += "</tr></thead>\n<tbody>\n"
        for (index, row) in rows.enumerated() {
            let id = index < rowIds.count ? rowIds[index] : nil
            body += id.map { "<tr id=\"\(Markup.attribute($0))\">" } ?? "<tr>"
            for cell in row {
                body += cell.className.map { "<td class=\"\($0)\">" } ?? "<td>"
                body += cell.html + "</td>"
            }
            body += "</tr>\n"
        }
        body += "</tbody></table></div>\n"
    }

    mutating func bullets(_ items: [String]) {
        guard !items.isEmpty else { return }
        body += "<ul>\n" + items.map { "<li>\(HTMLPage.inline($0))</li>\n" }.joined() + "</ul>\n"
    }

    /// A `Document`'s blocks (policy diff, graph changes), headings shifted under the current section.
    mutating func blocks(_ blocks: [Document.Block], headingOffset: Int = 0) {
        for block in blocks {
            switch block {
            case .heading(let level, let text): heading(text, level: min(level + headingOffset, 6))
            case .paragraph(let text): paragraph(text)
            case .table(let table): self.table(table)
            case .bullets(let items): bullets(items)
            case .code(let language, let text):
                body += "<pre class=\"\(Markup.attribute(language))\"><code>\(Markup.text(text))</code></pre>\n"
            }
        }
    }

    /// Document text as elements: `Inline` code and strong marks become `<code>` and `<strong>`, and
    /// everything else is literal text, escaped (`Markup.text`); a paragraph wrapped in `_..._` is
    /// emphasised. Backticks and asterisks in names stay what they are.
    static func inline(_ text: String) -> String {
        var source = text
        var italic = false
        if source.count > 2, source.hasPrefix("_"), source.hasSuffix("_") {
            source = String(source.dropFirst().dropLast())
            italic = true
        }
        var out = ""
        var open = false
        for piece in Inline.pieces(source) {
            switch piece {
            case .text(let literal): out += Markup.text(literal)
            case .code(let literal): out += "<code>\(Markup.text(literal))</code>"
            case .strongOpen where !open:
                out += "<strong>"
                open = true
            case .strongClose where open:
                out += "</strong>"
                open = false
            case .strongOpen, .strongClose: break
            }
        }
        if open { out += "</strong>" }
        return italic ? "<em>\(out)</em>" : out
    }
}

struct HTMLCell {
    var html: String
    var className: String?

    init(html: String, className: String? = nil) {
        self.html = html
        self.className = className
    }

    static func text(_ value: String, _ className: String? = nil) -> HTMLCell { HTMLCell(html: Markup.text(value), className: className) }
    static func code(_ value: String, _ className: String? = nil) -> HTMLCell {
        HTMLCell(html: "<code>\(Markup.text(value))</code>", className: className)
    }
    static func number(_ value: Int) -> HTMLCell { HTMLCell(html: value.grouped, className: "num") }
}

enum PlanHTMLAssets {
    static let style = """
    body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #24292e; margin: 0; background: #f6f8fa; }
    main { max-width: 1360px; margin: 0 auto; padding: 16px 28px 48px; background: #ffffff; }
    h1 { font-size: 24px; margin: 8px 0 12px; }
    h2 { font-size: 19px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #e1e4e8; }
    h3 { font-size: 15px; margin: 18px 0 6px; }
    code { font: 12px Menlo, Consolas, monospace; background: #f3f4f6; padding: 1px 3px; border-radius: 3px; }
    .verdict { padding: 12px 16px; border-radius: 6px; font-size: 15px; margin: 8px 0; border: 1px solid; }
    .verdict.pass { background: #dcffe4; border-color: #34d058; color: #144620; }
    .verdict.fail { background: #ffeef0; border-color: #d73a49; color: #86181d; }
    .verdict .status { font-weight: 700; font-size: 18px; margin-right: 8px; }
    nav { margin: 8px 0 4px; font-size: 13px; }
    nav a { margin-right: 12px; color: #0366d6; text-decoration: none; }
    .scroll { overflow-x: auto; margin: 6px 0 12px; }
    table { border-collapse: collapse; font-size: 13px; }
    caption { text-align: left; font-weight: 600; padding: 4px 0; }
    th, td { border: 1px solid #e1e4e8; padding: 4px 8px; vertical-align: top; text-align: left; }
    th { background: #f6f8fa; cursor: pointer; user-select: none; white-space: nowrap; }
    th.asc::after { content: " \\25B2"; font-size: 9px; }
    th.desc::after { content: " \\25BC"; font-size: 9px; }
    td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
    tbody tr:nth-child(even) { background: #fafbfc; }
    tr:target { background: #fff5b1; }
    .sev-high, .st-blocked, .cls-widened, .cls-unknown-step { color: #b31d28; font-weight: 600; }
    .sev-medium, .st-review, .cls-tightened { color: #b08800; font-weight: 600; }
    .sev-low, .st-ready { color: #22863a; font-weight: 600; }
    .chain { font: 12px Menlo, Consolas, monospace; min-width: 12em; overflow-wrap: anywhere; }
    td.wide { min-width: 11em; overflow-wrap: anywhere; }
    td.key { white-space: nowrap; }
    td.ident { min-width: 16em; }
    td.cls-unevaluable { color: #586069; }
    td.key code { overflow-wrap: normal; }
    td code { overflow-wrap: anywhere; }
    .data-toggle:not(:checked) ~ .graph-box .data { display: none; }
    .graph label { font-size: 12px; color: #586069; }
    .none { color: #6a737d; font-style: italic; }
    .graph-box { overflow: auto; border: 1px solid #e1e4e8; border-radius: 6px; padding: 8px; margin: 6px 0 10px; background: #ffffff; }
    details { margin: 4px 0 16px; }
    summary { cursor: pointer; color: #0366d6; }
    footer { color: #6a737d; font-size: 12px; margin-top: 32px; }
    """

    /// Click a header to sort its table; again to reverse. Numbers (with thousands separators or a
    /// percent sign) sort as numbers, other text in natural order. Kept free of `<` and `&` so the
    /// page stays well-formed XML even outside its CDATA section.
    static let script = """
    (function () {
      function value(cell) {
        var text = cell.textContent.trim();
        var plain = text.replace(/[,%\\s]/g, "");
        return /^-?[0-9]+([.][0-9]+)?$/.test(plain) ? { number: parseFloat(plain), text: text } : { number: null, text: text };
      }
      function compare(a, b) {
        if (a.number !== null) { if (b.number !== null) { return a.number - b.number; } }
        return a.text.localeCompare(b.text, undefined, { numeric: true });
      }
      document.querySelectorAll("table.sortable").forEach(function (table) {
        var headers = table.querySelectorAll("thead th");
        headers.forEach(function (header, column) {
          header.addEventListener("click", function () {
            var body = table.tBodies[0];
            var ascending = !header.classList.contains("asc");
            headers.forEach(function (other) { other.classList.remove("asc", "desc"); });
            header.classList.add(ascending ? "asc" : "desc");
            var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
              return { row: row, key: value(row.cells[column]), index: index };
            });
            rows.sort(function (a, b) {
              var order = compare(a.key, b.key);
              return (ascending ? order : -order) || a.index - b.index;
            });
            rows.forEach(function (entry) { body.appendChild(entry.row); });
          });
        });
      });
    })();
    """
}
