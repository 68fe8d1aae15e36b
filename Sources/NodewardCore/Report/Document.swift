import Foundation

/// A report as a list of blocks, rendered to plain text (terminals) or GitHub Markdown (PR comments)
/// from one description, so the two never drift apart.
public struct Document: Sendable {
    public enum Block: Sendable {
        case heading(Int, String)
        case paragraph(String)
        case table(TextTable)
        case bullets([String])
    }

    public var blocks: [Block] = []

    public init() {}

    public mutating func heading(_ text: String, level: Int = 2) { blocks.append(.heading(level, text)) }
    public mutating func paragraph(_ text: String) { blocks.append(.paragraph(text)) }
    public mutating func table(_ table: TextTable) { blocks.append(.table(table)) }
    public mutating func bullets(_ items: [String]) { if !items.isEmpty { blocks.append(.bullets(items)) } }

    public func plainText() -> String {
        var out = ""
        for block in blocks {
            switch block {
            case .heading(let level, let text):
                if !out.isEmpty { out += "\n" }
                out += level <= 1 ? text + "\n" + String(repeating: "=", count: text.count) + "\n" : text + "\n"
            case .paragraph(let text):
                out += "  " + Document.plain(text) + "\n"
            case .table(let table):
                out += table.rows.isEmpty ? "  (none)\n" : table.plain()
            case .bullets(let items):
                out += items.map { "  - " + Document.plain($0) }.joined(separator: "\n") + "\n"
            }
        }
        return out
    }

    /// Markdown emphasis and code marks dropped for terminals.
    static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "`", with: "")
    }

    public func markdown() -> String {
        var parts: [String] = []
        for block in blocks {
            switch block {
            case .heading(let level, let text): parts.append(String(repeating: "#", count: level) + " " + text)
            case .paragraph(let text): parts.append(text)
            case .table(let table): parts.append(table.rows.isEmpty ? "_None._" : table.markdown().trimmingCharacters(in: .newlines))
            case .bullets(let items): parts.append(items.map { "- " + $0 }.joined(separator: "\n"))
            }
        }
        return parts.joined(separator: "\n\n") + "\n"
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
