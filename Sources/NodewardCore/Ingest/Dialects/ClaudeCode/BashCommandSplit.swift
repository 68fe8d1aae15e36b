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
    /// Walks an index over the words (no repeated removal), so a command of many wrappers stays linear.
    static func stripWrappers(_ command: String) -> String {
        let words = command.split(separator: " ", omittingEmptySubsequences: true)
        var index = 0
        func isOption(_ at: Int) -> Bool { at < words.count && words[at].hasPrefix("-") }
        while index < words.count {
            switch words[index] {
            case "nohup", "time":
                index += 1
            case "nice":
                index += 1
                if index < words.count, words[index] == "-n", index + 1 < words.count { index += 2 } else if isOption(index) { index += 1 }
            case "timeout":
                index += 1
                while isOption(index) {
                    // `-s SIGNAL`, `-k DURATION` and their long forms take the next word.
                    let takesValue = ["-s", "-k", "--signal", "--kill-after"].contains(words[index])
                    index += takesValue ? 2 : 1
                }
                if index < words.count { index += 1 }
            default:
                return words[index...].joined(separator: " ")
            }
        }
        return ""
    }
}
