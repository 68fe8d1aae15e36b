import Yams

/// Parses one file's text into decoded documents: limits and pre-scan first, then Yams one document at a
/// time, then the node-count guard, then decoding.
struct SandboxFileParser {
    var limits: SandboxLimits

    func parse(text: String, file: String) -> (decoded: [DecodedSandbox], diagnostics: [Diagnostic]) {
        let text = InputFile.withoutByteOrderMark(text)
        let size = text.utf8.count
        if size > limits.maxFileBytes {
            return ([], [Self.tooLarge(file: file, size: size, limit: limits.maxFileBytes)])
        }
        var decoded: [DecodedSandbox] = []
        var diagnostics: [Diagnostic] = []
        for chunk in SandboxPreScan.splitDocuments(text) {
            let (sandbox, chunkDiagnostics) = parseDocument(chunk, file: file)
            diagnostics += chunkDiagnostics
            if let sandbox { decoded.append(sandbox) }
        }
        // Every non-empty document yields a sandbox or a diagnostic, so silence means nothing was there.
        if decoded.isEmpty && diagnostics.isEmpty {
            diagnostics.append(.warning(.sandboxEmpty, "file holds no YAML document", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        return (decoded, diagnostics)
    }

    private func parseDocument(_ chunk: SandboxPreScan.DocumentChunk, file: String) -> (DecodedSandbox?, [Diagnostic]) {
        if let offence = SandboxPreScan.check(chunk, limits: limits) {
            let location = SourceLocation(file: file, line: offence.line, column: offence.column)
            return (nil, [.error(offence.code, offence.message, at: location)])
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: chunk.text) else { return (nil, []) }
            root = composed
        } catch {
            return (nil, [diagnostic(for: error, chunk: chunk, file: file)])
        }
        // A bare `---` composes to an empty null scalar: an empty document, not a wrongly typed one.
        if case .scalar(let scalar) = root, scalar.string.isEmpty, SandboxNodeWalker.tagName(root) == .null { return (nil, []) }
        let walker = SandboxNodeWalker(file: file, lineOffset: chunk.firstLine - 1)
        if let past = SandboxNodeWalker.firstNodePastLimit(root, maxNodes: limits.maxNodes) {
            return (nil, [.error(
                .yamlNodeLimit, "the document expands to more than \(limits.maxNodes) nodes (aliases counted at every use)",
                at: walker.location(past))])
        }
        let sandbox = walker.decodeDocument(root)
        return (sandbox, walker.diagnostics)
    }

    func diagnostic(for error: any Error, chunk: SandboxPreScan.DocumentChunk, file: String) -> Diagnostic {
        let offset = chunk.firstLine - 1
        func at(_ mark: Mark) -> SourceLocation { at((mark.line, mark.column)) }
        func at(_ position: (line: Int, column: Int)) -> SourceLocation {
            SourceLocation(file: file, line: position.line + offset, column: position.column)
        }
        guard let yamlError = error as? YamlError else {
            return .error(.yamlSyntax, "could not parse YAML", at: SourceLocation(file: file, line: chunk.firstLine, column: 1))
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = problem
            if let context {
                message += " (\(context.text) at line \(context.mark.line + offset), column \(context.mark.column))"
            }
            return .error(.yamlSyntax, message, at: at(mark))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let first = at(context.mark)
            let repeated = Self.repeatedKeyLocation(key: key, after: (context.mark.line, context.mark.column), in: chunk.text)
                .map { at($0) } ?? first
            return .error(
                .sandboxDuplicateKey, "duplicate key in one mapping (first at line \(first.line)); the document is skipped",
                at: repeated)
        case .reader(let problem, let byteOffset, _, _):
            let location = byteOffset.map { at(Self.location(ofByte: $0, in: chunk.text)) }
            return .error(.yamlSyntax, problem, at: location ?? SourceLocation(file: file, line: chunk.firstLine, column: 1))
        default:
            // Not "\(yamlError)": its description quotes the offending line of the file.
            return .error(.yamlSyntax, "could not parse YAML", at: SourceLocation(file: file, line: chunk.firstLine, column: 1))
        }
    }

    /// Yams reports the first occurrence of a duplicated key; the repeat is the more useful place to point
    /// at. Looks for the next block-style `key:` at the same column before the mapping ends.
    static func repeatedKeyLocation(key: String, after mark: (line: Int, column: Int), in text: String) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let column = mark.column
        for number in mark.line..<lines.count {
            let line = Array(lines[number].unicodeScalars)
            let indent = line.prefix(while: { $0 == " " || $0 == "-" }).count
            let trimmed = String(String.UnicodeScalarView(line.drop(while: { $0 == " " })))
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if line.prefix(while: { $0 == " " }).count < column - 1 && indent < column - 1 { return nil }
            if indent == column - 1 {
                let rest = String(String.UnicodeScalarView(line.dropFirst(indent)))
                for spelled in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(spelled + ":") {
                    return (number + 1, column)
                }
            }
        }
        return nil
    }

    static func location(ofByte offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for (index, byte) in text.utf8.enumerated() {
            if index >= offset { break }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    static func tooLarge(file: String, size: Int, limit: Int) -> Diagnostic {
        .error(
            .fileTooLarge, "file is \(size) bytes; the limit is \(limit) bytes (SandboxLimits.maxFileBytes)",
            at: SourceLocation(file: file, line: 1, column: 1))
    }
}
