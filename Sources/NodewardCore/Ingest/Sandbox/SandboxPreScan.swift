/// Cheap lexical checks that run before Yams sees the text. Yams' composer is recursive (a deeply nested
/// document overflows the stack) and shares aliased nodes (an alias bomb composes cheaply, then explodes
/// when walked), so nesting depth and alias count must be bounded before composing.
enum SandboxPreScan {
    /// One YAML document's text, cut from a file at `---`/`...` marker lines.
    struct DocumentChunk: Sendable, Hashable {
        var text: String
        /// 1-based line of the chunk's first line in the file.
        var firstLine: Int
    }

    struct Offence: Sendable, Hashable {
        var code: DiagnosticCode
        var message: String
        var line: Int
        var column: Int
    }

    /// Splits a file into documents so one broken document does not hide the others. Directive and
    /// comment lines stay with the document that follows them.
    static func splitDocuments(_ text: String) -> [DocumentChunk] {
        var chunks: [DocumentChunk] = []
        var current: [Substring] = []
        var currentFirstLine = 1
        var currentHasContent = false
        var lineNumber = 0
        func finish(nextLine: Int) {
            if currentHasContent { chunks.append(DocumentChunk(text: current.joined(separator: "\n"), firstLine: currentFirstLine)) }
            current = []
            currentFirstLine = nextLine
            currentHasContent = false
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if isMarker(line, "---") {
                if currentHasContent { finish(nextLine: lineNumber) }
                current.append(line)
                currentHasContent = true
            } else if isMarker(line, "...") {
                current.append(line)
                finish(nextLine: lineNumber + 1)
            } else {
                if current.isEmpty { currentFirstLine = lineNumber }
                current.append(line)
                let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
                if !trimmed.isEmpty, !trimmed.hasPrefix("#"), !line.hasPrefix("%") { currentHasContent = true }
            }
        }
        finish(nextLine: lineNumber + 1)
        return chunks
    }

    private static func isMarker(_ line: Substring, _ marker: String) -> Bool {
        guard line.hasPrefix(marker) else { return false }
        let rest = line.dropFirst(3)
        return rest.isEmpty || rest.first == " " || rest.first == "\t"
    }

    /// Returns the first place where the nesting depth (flow brackets plus block indentation levels) or the
    /// number of alias tokens exceeds the limits, or nil when the text is within them.
    static func check(_ chunk: DocumentChunk, limits: SandboxLimits) -> Offence? {
        var scanner = DepthScanner(limits: limits)
        var lineNumber = chunk.firstLine - 1
        for line in chunk.text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if let offence = scanner.scan(line: Array(line), lineNumber: lineNumber) { return offence }
        }
        return nil
    }
}

/// A line-by-line state machine over UTF-8 bytes; every indicator it looks for is ASCII.
private struct DepthScanner {
    enum Quote { case none, single, double }

    let limits: SandboxLimits
    var quote: Quote = .none
    var flowDepth = 0
    var blockIndents: [Int] = []
    var aliases = 0
    /// Indentation of the line that opened a block scalar (`|`, `>`); deeper lines are its content.
    var blockScalarParentIndent: Int?
    var blockScalarContentIndent: Int?

    init(limits: SandboxLimits) { self.limits = limits }

    mutating func scan(line: [UInt8], lineNumber: Int) -> SandboxPreScan.Offence? {
        var index = 0
        var column = 1
        func advance() {
            // Columns count Unicode scalars, as libyaml does: skip UTF-8 continuation bytes.
            if line[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        let indent = line.prefix(while: { $0 == UInt8(ascii: " ") }).count
        let isBlank = line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        if let parent = blockScalarParentIndent {
            if isBlank { return nil }
            // libyaml fixes the content indentation at the first non-blank line; a shallower line ends it.
            let contentIndent = blockScalarContentIndent ?? indent
            if indent > parent && indent >= contentIndent {
                blockScalarContentIndent = contentIndent
                return nil
            }
            blockScalarParentIndent = nil
            blockScalarContentIndent = nil
        }
        var valueStart = true
        if quote == .none && flowDepth == 0 {
            if isBlank || line[indent...].first == UInt8(ascii: "#") { return nil }
            if line.starts(with: Array("---".utf8)) || line.starts(with: Array("...".utf8)) {
                index = 3
                column = 4
            } else {
                while let last = blockIndents.last, last >= indent { blockIndents.removeLast() }
                blockIndents.append(indent)
                while index < indent { advance() }
                // Each `- ` that opens a nested sequence on the same line is one more level.
                if blockIndents.count > limits.maxDepth { return tooDeep(lineNumber, column) }
                while index + 1 < line.count, line[index] == UInt8(ascii: "-"), line[index + 1] == UInt8(ascii: " ") {
                    let dashColumn = column
                    advance()
                    while index < line.count, line[index] == UInt8(ascii: " ") { advance() }
                    blockIndents.append(column - 1)
                    if blockIndents.count > limits.maxDepth { return tooDeep(lineNumber, dashColumn) }
                }
            }
        }
        var previous: UInt8 = UInt8(ascii: " ")
        while index < line.count {
            let byte = line[index]
            switch quote {
            case .single:
                if byte == UInt8(ascii: "'") {
                    if index + 1 < line.count, line[index + 1] == UInt8(ascii: "'") { advance() } else { quote = .none }
                }
                advance()
                previous = byte
                continue
            case .double:
                if byte == UInt8(ascii: "\\") {
                    advance()
                    if index < line.count { advance() }
                    continue
                }
                if byte == UInt8(ascii: "\"") { quote = .none }
                advance()
                previous = byte
                continue
            case .none:
                break
            }
            let isSpace = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
            if isSpace {
                advance()
                previous = byte
                continue
            }
            if byte == UInt8(ascii: "#"), previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") { return nil }
            let nextIsBreak = index + 1 >= line.count || [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(line[index + 1])
            switch byte {
            case UInt8(ascii: "[") where valueStart || flowDepth > 0, UInt8(ascii: "{") where valueStart || flowDepth > 0:
                flowDepth += 1
                if blockIndents.count + flowDepth > limits.maxDepth { return tooDeep(lineNumber, column) }
                valueStart = true
            case UInt8(ascii: "]") where flowDepth > 0, UInt8(ascii: "}") where flowDepth > 0:
                flowDepth -= 1
                valueStart = false
            case UInt8(ascii: ",") where flowDepth > 0:
                valueStart = true
            case UInt8(ascii: ":") where nextIsBreak || flowDepth > 0:
                valueStart = true
            case UInt8(ascii: "?") where nextIsBreak, UInt8(ascii: "-") where nextIsBreak && valueStart:
                valueStart = true
            case UInt8(ascii: "'") where valueStart:
                quote = .single
                valueStart = false
            case UInt8(ascii: "\"") where valueStart:
                quote = .double
                valueStart = false
            case UInt8(ascii: "*") where valueStart:
                aliases += 1
                if aliases > limits.maxAliases {
                    return SandboxPreScan.Offence(
                        code: .yamlAliasLimit,
                        message: "more than \(limits.maxAliases) aliases in one document (possible alias bomb)",
                        line: lineNumber, column: column)
                }
                valueStart = false
            case UInt8(ascii: "|") where valueStart && flowDepth == 0, UInt8(ascii: ">") where valueStart && flowDepth == 0:
                blockScalarParentIndent = indent
                return nil
            case UInt8(ascii: "&"), UInt8(ascii: "!"):
                // Anchors and tags precede a value; the value itself still starts after them.
                while index < line.count, line[index] != UInt8(ascii: " ") { advance() }
                continue
            default:
                valueStart = false
            }
            advance()
            previous = byte
        }
        return nil
    }

    private func tooDeep(_ line: Int, _ column: Int) -> SandboxPreScan.Offence {
        SandboxPreScan.Offence(
            code: .yamlTooDeep, message: "nesting is deeper than \(limits.maxDepth) levels",
            line: line, column: column)
    }
}
