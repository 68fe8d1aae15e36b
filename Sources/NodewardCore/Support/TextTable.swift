import Foundation
/// A small table renderer for aligned plain text and GitHub Markdown.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]

    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    public func plain(indent: String = "  ") -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = indent
            for (index, cell) in cells.enumerated() {
                let isLast = index == cells.count - 1
                text += isLast ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    public func markdown() -> String {
        func escape(_ cell: String) -> String { cell.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        var lines = ["| " + headers.map(escape).joined(separator: " | ") + " |",
                     "|" + headers.map { _ in "---" }.joined(separator: "|") + "|"]
        lines += rows.map { "| " + $0.map(escape).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n"
    }
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
