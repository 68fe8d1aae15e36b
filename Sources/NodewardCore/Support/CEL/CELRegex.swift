import Foundation

/// `matches` over NSRegularExpression (ICU), restricted so that it behaves like RE2 where it runs at all
/// (docs/cel-subset.md, "Regular expressions"):
///
/// - features RE2 does not have (backreferences, lookaround, atomic groups, possessive quantifiers,
///   repetition counts above 1000) are invalid patterns, as in RE2: a runtime error;
/// - RE2's `(?P<name>…)` is rewritten to `(?<name>…)`; an unescaped `$` outside a class means end of text
///   (RE2), written `\z` for ICU, unless the pattern turns on multi-line mode;
/// - `\C` (any byte) is valid RE2 this subset does not run: unsupported, never false;
/// - ICU backtracks where RE2 runs in linear time, so every match runs on a budget of ICU progress
///   callbacks (deterministic: ICU calls back per start position and every fixed number of steps), twice
///   the subject length plus 256; a match past it (`(a|aa)*c`, `a*a*a*a*c` on a long subject) is a
///   limit: unknown, never false. Subjects longer than `CELLimits.maxRegexSubjectLength` are a limit too.
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

    /// True when the pattern matches a substring of `text` (CEL `matches` is unanchored); nil when the
    /// match ran past its budget.
    func matches(_ text: String) -> Bool? {
        let length = text.utf16.count
        let budget = 2 * length + 256
        var callbacks = 0
        var found = false
        var exhausted = false
        expression.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(location: 0, length: length)) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
                return
            }
            callbacks += 1
            if callbacks > budget {
                exhausted = true
                stop.pointee = true
            }
        }
        if found { return true }
        return exhausted ? nil : false
    }

    /// One pass over the pattern: checks the RE2 restrictions and rewrites the two spellings that differ.
    private static func translate(_ scalars: [Unicode.Scalar]) -> Result<String, Failure> {
        var output = String.UnicodeScalarView()
        var openGroups = 0
        var multiline = false
        var index = 0
        func isQuantifier(_ at: Int) -> Bool {
            guard at < scalars.count else { return false }
            let scalar = scalars[at]
            if scalar == "*" || scalar == "+" || scalar == "?" { return true }
            if scalar == "{", at + 1 < scalars.count, ("0"..."9").contains(scalars[at + 1]) { return true }
            return false
        }
        while index < scalars.count {
            let scalar = scalars[index]
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
                        openGroups += 1
                        continue
                    }
                    // Flag groups: (?i) (?m) (?s) (?U) and (?flags:…).
                    var cursor = index + 2
                    while cursor < scalars.count, scalars[cursor] != ")", scalars[cursor] != ":" {
                        if scalars[cursor] == "m" { multiline = true }
                        cursor += 1
                    }
                }
                openGroups += 1
            case ")":
                guard openGroups > 0 else { return .failure(.invalid("an unbalanced `)`")) }
                openGroups -= 1
            case "$" where !multiline:
                output.append(contentsOf: "\\z".unicodeScalars)
                index += 1
                continue
            case "*", "+", "?", "{":
                if scalar == "{", !isQuantifier(index) { break }
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
                continue
            default:
                break
            }
            output.append(scalar)
            index += 1
        }
        guard openGroups == 0 else { return .failure(.invalid("an unclosed group")) }
        return .success(String(output))
    }
}
