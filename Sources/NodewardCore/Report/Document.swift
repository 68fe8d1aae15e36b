import Foundation

/// A report as a list of blocks, rendered to plain text (terminals), GitHub Markdown (PR comments) or
/// HTML from one description, so they never drift apart.
///
/// Text in a document is literal: tenant, workflow, node and rule names are written into it as they
/// are, and each renderer escapes all of it for its format (`MarkdownText`, `Markup`). Our own emphasis
/// and code spans are marks (`Inline.strong`, `Inline.code`), never Markdown syntax, so a name can
/// neither inject Markdown nor be mangled by it.
public struct Document: Sendable {
    public enum Block: Sendable {
        case heading(Int, String)
        case paragraph(String)
        case table(TextTable)
        case bullets([String])
        /// A fenced code block (`mermaid`): its text is the language's own, written as is inside a fence
        /// longer than any backtick run in it; plain text shows it indented.
        case code(language: String, text: String)
    }

    public var blocks: [Block] = []

    public init() {}

    public mutating func heading(_ text: String, level: Int = 2) { blocks.append(.heading(level, text)) }
    public mutating func paragraph(_ text: String) { blocks.append(.paragraph(text)) }
    public mutating func table(_ table: TextTable) { blocks.append(.table(table)) }
    public mutating func bullets(_ items: [String]) { if !items.isEmpty { blocks.append(.bullets(items)) } }
    public mutating func code(_ text: String, language: String) { blocks.append(.code(language: language, text: text)) }

    /// Plain text for terminals: no Markdown syntax at all. Paragraphs and tables are wrapped to `width`
    /// columns (nil: not wrapped, `--wide`).
    public func plainText(width: Int? = nil) -> String {
        var out = ""
        for block in blocks {
            switch block {
            case .heading(let level, let text):
                let plain = Inline.plain(text)
                if !out.isEmpty { out += "\n" }
                out += level <= 1 ? plain + "\n" + String(repeating: "=", count: plain.count) + "\n" : plain + "\n"
            case .paragraph(let text):
                out += TextWrap.lines(Inline.plain(text), width: width.map { $0 - 2 }).map { "  " + $0 }.joined(separator: "\n") + "\n"
            case .table(let table):
                out += table.rows.isEmpty ? "  (none)\n" : table.plain(width: width)
            case .bullets(let items):
                for item in items {
                    let lines = TextWrap.lines(Inline.plain(item), width: width.map { $0 - 4 })
                    out += lines.enumerated().map { ($0.offset == 0 ? "  - " : "    ") + $0.element }.joined(separator: "\n") + "\n"
                }
            case .code(_, let text):
                out += text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n") + "\n"
            }
        }
        return out
    }

    public func markdown() -> String {
        var parts: [String] = []
        for block in blocks {
            switch block {
            case .heading(let level, let text): parts.append(String(repeating: "#", count: level) + " " + MarkdownText.inline(text))
            case .paragraph(let text): parts.append(MarkdownText.inline(text))
            case .table(let table): parts.append(table.rows.isEmpty ? "_None._" : table.markdown().trimmingCharacters(in: .newlines))
            case .bullets(let items): parts.append(items.map { "- " + MarkdownText.inline($0) }.joined(separator: "\n"))
            case .code(let language, let text): parts.append(MarkdownText.fencedBlock(text, language: language))
            }
        }
        return parts.joined(separator: "\n\n") + "\n"
    }
}

/// Marks for our own inline markup inside document text (private-use characters, stripped from any
/// text put inside a mark). Unmarked text is literal.
public enum Inline {
    static let codeOpen: Character = "\u{E000}"
    static let codeClose: Character = "\u{E001}"
    static let strongOpen: Character = "\u{E002}"
    static let strongClose: Character = "\u{E003}"
    static let marks: Set<Character> = [codeOpen, codeClose, strongOpen, strongClose]

    /// A name or literal shown as code (Markdown `` `…` ``, HTML `<code>`).
    public static func code(_ text: String) -> String { String(codeOpen) + strip(text) + String(codeClose) }

    /// Emphasis (Markdown `**…**`, HTML `<strong>`); `text` may hold code marks.
    public static func strong(_ text: String) -> String {
        String(strongOpen) + text.filter { $0 != strongOpen && $0 != strongClose } + String(strongClose)
    }

    static func strip(_ text: String) -> String { text.contains(where: marks.contains) ? text.filter { !marks.contains($0) } : text }

    /// The text without marks: what a terminal shows.
    public static func plain(_ text: String) -> String { strip(text) }

    enum Piece: Equatable {
        case text(String)
        case code(String)
        case strongOpen
        case strongClose
    }

    static func pieces(_ text: String) -> [Piece] {
        var pieces: [Piece] = []
        var current = ""
        var inCode = false
        for character in text {
            switch character {
            case codeOpen where !inCode:
                if !current.isEmpty { pieces.append(.text(current)) }
                current = ""
                inCode = true
            case codeClose where inCode:
                pieces.append(.code(current))
                current = ""
                inCode = false
            case strongOpen where !inCode, strongClose where !inCode:
                if !current.isEmpty { pieces.append(.text(current)) }
                current = ""
                pieces.append(character == strongOpen ? .strongOpen : .strongClose)
            default:
                if !marks.contains(character) { current.append(character) }
            }
        }
        if !current.isEmpty { pieces.append(inCode ? .code(current) : .text(current)) }
        return pieces
    }
}

/// The one Markdown escaper: every name and every text Nodeward writes into Markdown (reports, PR
/// comments, SARIF `message.markdown`, store tables) goes through it.
public enum MarkdownText {
    /// Characters that start Markdown or HTML syntax inline, backslash-escaped: emphasis (`*`, `_`, `~`),
    /// code (`` ` ``), links and images (`[`, `]`: with both escaped no `](` can form, so `(` and `)`
    /// stay as they are), HTML and autolinks (`<`, `>`), entities (`&`), table cells (`|`), headings (`#`)
    /// math (`$`: GitHub renders `$…$` as LaTeX) and the escape itself. Line breaks become spaces: a name
    /// cannot start a new block.
    static let special: Set<Character> = ["\\", "`", "*", "_", "~", "[", "]", "<", ">", "&", "|", "#", "$"]

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            if character == "\n" || character == "\r" || character == "\r\n" {
                out.append(" ")
            } else if special.contains(character) {
                out.append("\\")
                out.append(character)
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// A code span holding `text` literally: a fence longer than any backtick run inside, padded when
    /// the text starts or ends with a backtick, line breaks as spaces. In a table cell `|` is escaped,
    /// which GitHub's table parser removes again before the code span is read.
    public static func codeSpan(_ text: String, inTable: Bool = false) -> String {
        var content = String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
        if inTable { content = content.replacingOccurrences(of: "|", with: "\\|") }
        if content.isEmpty { return "` `" }
        let fence = String(repeating: "`", count: longestRun(of: "`", in: content) + 1)
        let pad = content.hasPrefix("`") || content.hasSuffix("`") || (content.hasPrefix(" ") && content.hasSuffix(" ")) ? " " : ""
        return fence + pad + content + pad + fence
    }

    /// Document text (literal, with `Inline` marks) as Markdown.
    public static func inline(_ text: String, inTable: Bool = false) -> String {
        var out = ""
        for piece in Inline.pieces(text) {
            switch piece {
            case .text(let literal): out += escape(literal)
            case .code(let literal): out += codeSpan(literal, inTable: inTable)
            case .strongOpen, .strongClose: out += "**"
            }
        }
        return out
    }

    /// A fenced code block whose fence no line of `text` can close.
    public static func fencedBlock(_ text: String, language: String) -> String {
        let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: text) + 1))
        return fence + language + "\n" + text.trimmingCharacters(in: .newlines) + "\n" + fence
    }

    static func longestRun(of mark: Character, in text: String) -> Int {
        var longest = 0, run = 0
        for character in text {
            run = character == mark ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }
}

/// Output formats for commands whose output programs read.
public enum OutputFormat: String, Sendable, CaseIterable {
    case text
    case json
    case markdown
}

/// Stable JSON: sorted keys, pretty-printed, no escaped slashes, trailing newline.
public enum StableJSON {
    public static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else {
            return "{}\n"
        }
        return text + "\n"
    }
}
