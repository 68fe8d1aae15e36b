/// One CEL token with the 1-based column (in Unicode scalars) where it starts.
struct CELToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case identifier(String)
        /// An integer literal's magnitude; the parser applies a leading `-` (so `-9223372036854775808` fits).
        case int(UInt64)
        case uint(UInt64)
        case double(Double)
        case string(String)
        case trueLiteral, falseLiteral, nullLiteral
        case punctuation(String)
        case end
    }

    var kind: Kind
    var column: Int
}

/// Splits an expression into tokens (cel-spec doc/langdef.md, "Syntax": the lexis). Works on Unicode
/// scalars; never traps on any input.
struct CELLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    static let reserved: Set<String> = [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop",
        "package", "namespace", "return", "var", "void", "while",
    ]

    /// Two-character operators first, so `<=` is not read as `<` `=`.
    private static let operators2: Set<String> = ["&&", "||", "==", "!=", "<=", ">="]
    private static let operators1: Set<Unicode.Scalar> = ["<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"]

    mutating func tokens() -> Result<[CELToken], CELIssue> {
        var result: [CELToken] = []
        while true {
            switch next() {
            case .success(let token):
                result.append(token)
                if token.kind == .end { return .success(result) }
            case .failure(let issue):
                return .failure(issue)
            }
        }
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let position = index + offset
        return position < scalars.count ? scalars[position] : nil
    }

    private static func isDigit(_ scalar: Unicode.Scalar?) -> Bool { scalar.map { ("0"..."9").contains($0) } ?? false }
    private static func isHexDigit(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return ("0"..."9").contains(scalar) || ("a"..."f").contains(scalar) || ("A"..."F").contains(scalar)
    }
    private static func isIdentifierStart(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }
    private static func isIdentifierPart(_ scalar: Unicode.Scalar?) -> Bool { isIdentifierStart(scalar) || isDigit(scalar) }

    private mutating func skipSpaceAndComments() {
        while let scalar = peek() {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0C}" {
                index += 1
            } else if scalar == "/", peek(1) == "/" {
                while let inner = peek(), inner != "\n", inner != "\r" { index += 1 }
            } else {
                return
            }
        }
    }

    private mutating func next() -> Result<CELToken, CELIssue> {
        skipSpaceAndComments()
        let column = index + 1
        guard let scalar = peek() else { return .success(CELToken(kind: .end, column: column)) }
        // String prefixes: r/R (raw), b/B (bytes, outside the subset).
        if scalar == "r" || scalar == "R", peek(1) == "\"" || peek(1) == "'" {
            index += 1
            return lexString(raw: true, column: column)
        }
        if scalar == "b" || scalar == "B", peek(1) == "\"" || peek(1) == "'" || ((peek(1) == "r" || peek(1) == "R") && (peek(2) == "\"" || peek(2) == "'")) {
            return .failure(CELIssue(.unsupported, column: column, "a bytes literal"))
        }
        if scalar == "\"" || scalar == "'" { return lexString(raw: false, column: column) }
        if Self.isIdentifierStart(scalar) {
            var name = String.UnicodeScalarView()
            while Self.isIdentifierPart(peek()), let part = peek() {
                name.append(part)
                index += 1
            }
            let text = String(name)
            switch text {
            case "true": return .success(CELToken(kind: .trueLiteral, column: column))
            case "false": return .success(CELToken(kind: .falseLiteral, column: column))
            case "null": return .success(CELToken(kind: .nullLiteral, column: column))
            case "in": return .success(CELToken(kind: .punctuation("in"), column: column))
            default:
                // Reserved words are rejected as names by the parser, not here: after `.` they are field
                // names (`source.identity.namespace`), as in cel-go.
                return .success(CELToken(kind: .identifier(text), column: column))
            }
        }
        if Self.isDigit(scalar) || (scalar == "." && Self.isDigit(peek(1))) { return lexNumber(column: column) }
        if let second = peek(1) {
            let pair = String(String.UnicodeScalarView([scalar, second]))
            if Self.operators2.contains(pair) {
                index += 2
                return .success(CELToken(kind: .punctuation(pair), column: column))
            }
        }
        if Self.operators1.contains(scalar) {
            index += 1
            return .success(CELToken(kind: .punctuation(String(Character(scalar))), column: column))
        }
        if scalar == "=" || scalar == "&" || scalar == "|" {
            return .failure(CELIssue(.syntax, column: column, "a lone `\(scalar)` (did you mean `\(scalar)\(scalar)`?)"))
        }
        // The character itself is not named: issues never quote the expression.
        return .failure(CELIssue(.syntax, column: column, "an unexpected character"))
    }

    private mutating func lexNumber(column: Int) -> Result<CELToken, CELIssue> {
        if peek() == "0", peek(1) == "x" || peek(1) == "X" {
            index += 2
            var value: UInt64 = 0
            var digits = 0
            while Self.isHexDigit(peek()), let digit = peek() {
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 16)
                guard !overflow, let nibble = UInt64(String(Character(digit)), radix: 16) else {
                    return .failure(CELIssue(.syntax, column: column, "an integer literal out of range"))
                }
                value = shifted + nibble
                digits += 1
                index += 1
            }
            guard digits > 0 else { return .failure(CELIssue(.syntax, column: column, "a hexadecimal literal without digits")) }
            return finishInteger(value, column: column)
        }
        var text = ""
        var isDouble = false
        while Self.isDigit(peek()), let digit = peek() {
            text.unicodeScalars.append(digit)
            index += 1
        }
        if peek() == ".", Self.isDigit(peek(1)) {
            isDouble = true
            text += "."
            index += 1
            while Self.isDigit(peek()), let digit = peek() {
                text.unicodeScalars.append(digit)
                index += 1
            }
        }
        if peek() == "e" || peek() == "E" {
            let signed = peek(1) == "+" || peek(1) == "-"
            if Self.isDigit(peek(signed ? 2 : 1)) {
                isDouble = true
                text += "e"
                index += 1
                if signed, let sign = peek() {
                    text.unicodeScalars.append(sign)
                    index += 1
                }
                while Self.isDigit(peek()), let digit = peek() {
                    text.unicodeScalars.append(digit)
                    index += 1
                }
            }
        }
        if isDouble {
            guard let value = Double(text), value.isFinite else {
                return .failure(CELIssue(.syntax, column: column, "a floating-point literal out of range"))
            }
            return .success(CELToken(kind: .double(value), column: column))
        }
        guard let value = UInt64(text) else {
            return .failure(CELIssue(.syntax, column: column, "an integer literal out of range"))
        }
        return finishInteger(value, column: column)
    }

    private mutating func finishInteger(_ value: UInt64, column: Int) -> Result<CELToken, CELIssue> {
        if peek() == "u" || peek() == "U" {
            index += 1
            return .success(CELToken(kind: .uint(value), column: column))
        }
        // The magnitude of Int64.min is allowed here; the parser rejects it without a leading `-`.
        guard value <= UInt64(Int64.max) + 1 else {
            return .failure(CELIssue(.syntax, column: column, "an integer literal out of range"))
        }
        return .success(CELToken(kind: .int(value), column: column))
    }

    private mutating func lexString(raw: Bool, column: Int) -> Result<CELToken, CELIssue> {
        guard let quote = peek() else { return .failure(CELIssue(.syntax, column: column, "an unterminated string")) }
        let triple = peek(1) == quote && peek(2) == quote
        index += triple ? 3 : 1
        var value = String.UnicodeScalarView()
        while true {
            guard let scalar = peek() else { return .failure(CELIssue(.syntax, column: column, "an unterminated string")) }
            if triple {
                if scalar == quote, peek(1) == quote, peek(2) == quote {
                    index += 3
                    break
                }
            } else {
                if scalar == quote {
                    index += 1
                    break
                }
                if scalar == "\n" || scalar == "\r" {
                    return .failure(CELIssue(.syntax, column: column, "a line break inside a quoted string"))
                }
            }
            if scalar == "\\", !raw {
                let escapeColumn = index + 1
                index += 1
                switch unescape() {
                case .success(let decoded): value.append(decoded)
                case .failure: return .failure(CELIssue(.syntax, column: escapeColumn, "an invalid escape sequence"))
                }
                continue
            }
            value.append(scalar)
            index += 1
        }
        return .success(CELToken(kind: .string(String(value)), column: column))
    }

    private struct BadEscape: Error {}

    /// After a backslash: one escape sequence (langdef "ESCAPE"), as a Unicode scalar.
    private mutating func unescape() -> Result<Unicode.Scalar, BadEscape> {
        guard let scalar = peek() else { return .failure(BadEscape()) }
        index += 1
        let simple: [Unicode.Scalar: Unicode.Scalar] = [
            "\\": "\\", "?": "?", "\"": "\"", "'": "'", "`": "`", "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}",
            "n": "\n", "r": "\r", "t": "\t", "v": "\u{0B}",
        ]
        if let mapped = simple[scalar] { return .success(mapped) }
        func hex(_ count: Int) -> Result<Unicode.Scalar, BadEscape> {
            var value: UInt32 = 0
            for _ in 0..<count {
                guard Self.isHexDigit(peek()), let digit = peek(), let nibble = UInt32(String(Character(digit)), radix: 16) else {
                    return .failure(BadEscape())
                }
                value = value * 16 + nibble
                index += 1
            }
            guard let decoded = Unicode.Scalar(value) else { return .failure(BadEscape()) }
            return .success(decoded)
        }
        switch scalar {
        case "x", "X": return hex(2)
        case "u": return hex(4)
        case "U": return hex(8)
        case "0"..."3":
            var value = scalar.value - 48
            for _ in 0..<2 {
                guard let digit = peek(), ("0"..."7").contains(digit) else { return .failure(BadEscape()) }
                value = value * 8 + (digit.value - 48)
                index += 1
            }
            guard let decoded = Unicode.Scalar(value) else { return .failure(BadEscape()) }
            return .success(decoded)
        default:
            return .failure(BadEscape())
        }
    }
}
