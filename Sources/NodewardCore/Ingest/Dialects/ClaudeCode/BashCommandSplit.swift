import Foundation

/// Claude Code matches Bash rules shell-operator aware: `Bash(safe-cmd *)` does not allow
/// `safe-cmd && other-cmd`. A command is split at `&&`, `||`, `;`, `|`, `&` and newlines outside quotes,
/// and process wrappers (`timeout`, `time`, `nice`, `nohup`) are stripped from each part.
enum BashCommandSplit {
    static func subcommands(_ command: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        var iterator = Array(command).makeIterator()
        var pending: Character?
        while let character = pending ?? iterator.next() {
            pending = nil
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if character == "\\" && quote != "'" {
                current.append(character)
                escaped = true
                continue
            }
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                current.append(character)
            case ";", "\n":
                parts.append(current)
                current = ""
            case "&", "|":
                // `&&`, `||`, `|&` and a lone `|` or `&` all end a part.
                if let next = iterator.next(), next != "&", next != "|" { pending = next }
                parts.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        parts.append(current)
        return parts.map { stripWrappers($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
    }

    /// `timeout 30 npm test` → `npm test`; `nice -n 5 make` → `make`; `nohup x`, `time x` → `x`.
    static func stripWrappers(_ command: String) -> String {
        var words = command.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        while let first = words.first {
            switch first {
            case "nohup", "time":
                words.removeFirst()
            case "nice":
                words.removeFirst()
                if words.first == "-n", words.count > 1 { words.removeFirst(2) } else if words.first?.hasPrefix("-") == true { words.removeFirst() }
            case "timeout":
                words.removeFirst()
                while words.first?.hasPrefix("-") == true { words.removeFirst() }
                if !words.isEmpty { words.removeFirst() }
            default:
                return words.joined(separator: " ")
            }
        }
        return ""
    }
}
