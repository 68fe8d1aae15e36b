import Foundation
/// A small table renderer for aligned plain text and GitHub Markdown. Cells are document text (literal,
/// with `Inline` marks): plain text drops the marks, Markdown escapes every cell (`MarkdownText`).
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]

    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// Columns aligned with two spaces between them. With `width`, a table wider than that many columns
    /// (indent included) has its widest columns narrowed and their cells wrapped onto more lines; no
    /// column is narrowed below `minimumColumn` characters (or its natural width, if smaller).
    public func plain(indent: String = "  ", width: Int? = nil) -> String {
        let cellText = { (cell: String) in String(Inline.plain(cell).map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 }) }
        let header = headers.map(cellText)
        let body = rows.map { $0.map(cellText) }
        var widths = header.map(\.count)
        for row in body {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        if let width, !widths.isEmpty {
            let available = width - indent.count - 2 * (widths.count - 1)
            let minimums = widths.map { min($0, Self.minimumColumn) }
            // Prose columns (cells with spaces) wrap well, so they are narrowed first; names and numbers
            // only when that is not enough.
            let prose = widths.indices.map { index in body.contains { index < $0.count && $0[index].contains(" ") } }
            for onlyProse in [true, false] {
                while widths.reduce(0, +) > available {
                    let candidates = widths.indices.filter { widths[$0] > minimums[$0] && (!onlyProse || prose[$0]) }
                    guard let widest = candidates.max(by: { (widths[$0], $1) < (widths[$1], $0) }) else { break }
                    widths[widest] -= 1
                }
            }
        }
        func lines(_ cells: [String]) -> [String] {
            let wrapped = cells.enumerated().map { index, cell in
                index < widths.count && width != nil ? TextWrap.lines(cell, width: widths[index]) : [cell]
            }
            let height = wrapped.map(\.count).max() ?? 1
            return (0..<height).map { line in
                var text = indent
                for (index, cellLines) in wrapped.enumerated() {
                    let part = line < cellLines.count ? cellLines[line] : ""
                    let isLast = index == wrapped.count - 1
                    let columnWidth = index < widths.count ? widths[index] : part.count
                    text += isLast ? part : part + String(repeating: " ", count: max(columnWidth - part.count, 0) + 2)
                }
                return String(text.reversed().drop(while: { $0 == " " }).reversed())
            }
        }
        return ([lines(header)] + body.map(lines)).flatMap { $0 }.joined(separator: "\n") + "\n"
    }

    /// The narrowest a wrapped column gets.
    public static let minimumColumn = 10

    public func markdown() -> String {
        func cell(_ text: String) -> String { MarkdownText.inline(text, inTable: true) }
        var lines = ["| " + headers.map(cell).joined(separator: " | ") + " |",
                     "|" + headers.map { _ in "---" }.joined(separator: "|") + "|"]
        lines += rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Greedy word wrap for plain text; a word longer than the width is cut.
public enum TextWrap {
    public static func lines(_ text: String, width: Int?) -> [String] {
        guard let width, width > 0, text.count > width else { return [text] }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var word = Substring(word)
            if !current.isEmpty, current.count + 1 + word.count <= width {
                current += " " + word
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = ""
            while word.count > width {
                // Cut after the last separator that fits (support-ticket-/summary), else at the width.
                let head = word.prefix(width)
                let cut = head.lastIndex(where: { separators.contains($0) }).map { word.index(after: $0) } ?? head.endIndex
                let piece = word[..<cut].isEmpty ? head : word[..<cut]
                lines.append(String(piece))
                word = word[piece.endIndex...]
            }
            current = String(word)
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }

    static let separators: Set<Character> = ["-", "/", ".", "_", "@", ":", ","]

    /// The terminal's width when stdout is one, else 100 columns; nil never (see `--wide`).
    public static func terminalWidth(fileDescriptor: Int32 = 1) -> Int {
        var size = winsize()
        if isatty(fileDescriptor) == 1, ioctl(fileDescriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 {
            return Int(size.ws_col)
        }
        return defaultWidth
    }

    public static let defaultWidth = 100
}
extension Int {
    /// `12,345`: thousands separators without locale dependence.
    public var grouped: String {
        let digits = String(self.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return self < 0 ? "-" + out : out
    }
}

extension Double {
    /// A percentage with one decimal, `99.7%`.
    /// Two decimals near the ends (99.97%, 0.03%) so that a handful of exceptions never rounds away.
    public var percent: String {
        let nearEnd = (self > 0.99 && self < 1) || (self > 0 && self < 0.01)
        let factor = nearEnd ? 10_000.0 : 1_000.0
        let digits = nearEnd ? 2 : 1
        let scaled = (self * factor).rounded() / (factor / 100)
        let whole = Int(scaled.rounded(.towardZero))
        var fraction = String(Int(((scaled - Double(whole)) * (nearEnd ? 100 : 10)).rounded()))
        if fraction.count < digits { fraction = String(repeating: "0", count: digits - fraction.count) + fraction }
        return "\(whole).\(fraction)%"
    }
}
