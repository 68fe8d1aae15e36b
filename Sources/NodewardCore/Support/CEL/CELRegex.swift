import Foundation

/// `matches` over NSRegularExpression (ICU), restricted so that it behaves like RE2 where it runs at all
/// (docs/cel-subset.md, "Regular expressions"):
///
/// - features RE2 does not have (backreferences, lookaround, atomic groups, possessive quantifiers,
///   repetition counts above 1000) are invalid patterns, as in RE2: a runtime error;
/// - RE2's `(?P<name>…)` is rewritten to `(?<name>…)`; an unescaped `$` outside a class means end of text
///   (RE2), written `\z` for ICU, unless the pattern turns on multi-line mode;
/// - shapes that cost a backtracking engine exponential time (a quantified group that itself contains a
///   quantifier or an alternation, e.g. `(a+)+`, `(a|aa)*`) and `\C` are valid RE2 that this subset does
///   not run: unsupported, never false;
/// - subjects longer than `CELLimits.maxRegexSubjectLength` are a limit (unknown), never false.
final class CELRegex: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented safe to share across threads.
    let expression: NSRegularExpression

    enum Failure: Error, Sendable, Hashable {
        /// Not a valid RE2 pattern: evaluation yields a CEL error.
        case invalid(String)
        /// Valid RE2 this subset will not run.
        case unsupported(String)
    }

    private init(_ expression: NSRegularExpression) { self.expression = expression }

    static func compile(_ pattern: String, limits: CELLimits) -> Result<CELRegex, Failure> {
        guard pattern.unicodeScalars.count <= limits.maxRegexPatternLength else {
            return .failure(.unsupported("a regular expression longer than \(limits.maxRegexPatternLength) characters"))
        }
        let translated: String
        switch translate(Array(pattern.unicodeScalars)) {
        case .success(let text): translated = text
        case .failure(let failure): return .failure(failure)
        }
        guard let expression = try? NSRegularExpression(pattern: translated) else {
            return .failure(.invalid("an invalid regular expression"))
        }
        return .success(CELRegex(expression))
    }

    /// True when the pattern matches a substring of `text` (CEL `matches` is unanchored).
    func matches(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, options: [], range: range) != nil
    }

    /// One pass over the pattern: checks the RE2 restrictions and the unsafe shapes, and rewrites the two
    /// spellings that differ.
    private static func translate(_ scalars: [Unicode.Scalar]) -> Result<String, Failure> {
        var output = String.UnicodeScalarView()
        // Per open group: whether it holds a quantifier or an alternation so far.
        var groups: [Bool] = []
        var lastClosedGroupIsRisky = false
        var multiline = false
        var index = 0
        func isQuantifier(_ at: Int) -> Bool {
            guard at < scalars.count else { return false }
            let scalar = scalars[at]
            if scalar == "*" || scalar == "+" || scalar == "?" { return true }
            if scalar == "{", at + 1 < scalars.count, ("0"..."9").contains(scalars[at + 1]) { return true }
            return false
        }
        func markQuantified() { if !groups.isEmpty { groups[groups.count - 1] = true } }
        while index < scalars.count {
            let scalar = scalars[index]
            var closedGroupRisky = false
            switch scalar {
            case "\\":
                guard index + 1 < scalars.count else { return .failure(.invalid("a pattern ending in a backslash")) }
                let next = scalars[index + 1]
                if ("1"..."9").contains(next) || next == "k" { return .failure(.invalid("a backreference (not in RE2)")) }
                if next == "C" { return .failure(.unsupported("the `\\C` (any byte) class")) }
                output.append(scalar)
                output.append(next)
                index += 2
                if next == "Q" {
                    // Quoted text up to \E is literal.
                    while index < scalars.count {
                        if scalars[index] == "\\", index + 1 < scalars.count, scalars[index + 1] == "E" { break }
                        output.append(scalars[index])
                        index += 1
                    }
                }
                lastClosedGroupIsRisky = false
                continue
            case "[":
                // A class: copied as is, up to its closing bracket (a leading `]` or `^]` is a member).
                output.append(scalar)
                index += 1
                if index < scalars.count, scalars[index] == "^" {
                    output.append(scalars[index])
                    index += 1
                }
                if index < scalars.count, scalars[index] == "]" {
                    output.append(scalars[index])
                    index += 1
                }
                var closed = false
                while index < scalars.count {
                    let member = scalars[index]
                    output.append(member)
                    index += 1
                    if member == "\\", index < scalars.count {
                        output.append(scalars[index])
                        index += 1
                    } else if member == "[", index < scalars.count, scalars[index] == ":" {
                        // A POSIX class such as [:alpha:] inside the class.
                        while index < scalars.count {
                            output.append(scalars[index])
                            index += 1
                            if scalars[index - 1] == "]" { break }
                        }
                    } else if member == "]" {
                        closed = true
                        break
                    }
                }
                guard closed else { return .failure(.invalid("an unclosed character class")) }
                lastClosedGroupIsRisky = false
                continue
            case "(":
                if index + 1 < scalars.count, scalars[index + 1] == "?" {
                    let rest = scalars[(index + 2)...].prefix(3).map { Character($0) }
                    let head = String(rest)
                    if head.hasPrefix("=") || head.hasPrefix("!") || head.hasPrefix("<=") || head.hasPrefix("<!") {
                        return .failure(.invalid("a lookaround (not in RE2)"))
                    }
                    if head.hasPrefix(">") { return .failure(.invalid("an atomic group (not in RE2)")) }
                    if head.hasPrefix("P<") {
                        output.append(contentsOf: "(?<".unicodeScalars)
                        index += 4
                        groups.append(false)
                        continue
                    }
                    // Flag groups: (?i) (?m) (?s) (?U) and (?flags:…).
                    var cursor = index + 2
                    while cursor < scalars.count, scalars[cursor] != ")", scalars[cursor] != ":" {
                        if scalars[cursor] == "m" { multiline = true }
                        cursor += 1
                    }
                }
                groups.append(false)
            case ")":
                guard let risky = groups.popLast() else { return .failure(.invalid("an unbalanced `)`")) }
                closedGroupRisky = risky
                // A quantifier or alternation inside also counts for the enclosing group.
                if risky { markQuantified() }
            case "|":
                markQuantified()
            case "$" where !multiline:
                output.append(contentsOf: "\\z".unicodeScalars)
                index += 1
                lastClosedGroupIsRisky = false
                continue
            case "*", "+", "?", "{":
                if scalar == "{", !isQuantifier(index) { break }
                if lastClosedGroupIsRisky {
                    return .failure(.unsupported("a quantified group that contains a quantifier or an alternation (exponential in a backtracking engine)"))
                }
                markQuantified()
                var end = index + 1
                if scalar == "{" {
                    var numbers: [Int] = []
                    var digits = ""
                    while end < scalars.count, scalars[end] != "}" {
                        if scalars[end] == "," {
                            numbers.append(Int(digits) ?? 0)
                            digits = ""
                        } else {
                            digits.unicodeScalars.append(scalars[end])
                        }
                        end += 1
                    }
                    if !digits.isEmpty { numbers.append(Int(digits) ?? 1001) }
                    if numbers.contains(where: { $0 > 1000 }) { return .failure(.invalid("a repetition count above 1000 (RE2's limit)")) }
                    end += 1
                }
                for position in index..<min(end, scalars.count) { output.append(scalars[position]) }
                index = end
                // Lazy `?` follows; a possessive `+` is not RE2.
                if index < scalars.count, scalars[index] == "+" { return .failure(.invalid("a possessive quantifier (not in RE2)")) }
                if index < scalars.count, scalars[index] == "?" {
                    output.append(scalars[index])
                    index += 1
                }
                lastClosedGroupIsRisky = false
                continue
            default:
                break
            }
            output.append(scalar)
            index += 1
            lastClosedGroupIsRisky = closedGroupRisky
        }
        guard groups.isEmpty else { return .failure(.invalid("an unclosed group")) }
        return .success(String(output))
    }
}
