import Yams

/// Walks composed Yams nodes for one document: typed accessors that report a `Diagnostic` (with the
/// node's location and dotted key path) instead of failing, so every problem in a document is collected.
final class SandboxNodeWalker {
    let file: String
    /// Added to Yams line numbers: each document is composed on its own (SandboxPreScan.splitDocuments).
    let lineOffset: Int
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var errorCount = 0

    init(file: String, lineOffset: Int) {
        self.file = file
        self.lineOffset = lineOffset
    }

    func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(file: file, line: lineOffset + 1, column: 1) }
        return SourceLocation(file: file, line: mark.line + lineOffset, column: mark.column)
    }

    func error(_ code: DiagnosticCode, _ message: String, _ node: Node?, _ path: String) {
        errorCount += 1
        diagnostics.append(.error(code, message, at: location(node), keyPath: path))
    }

    func error(_ code: DiagnosticCode, _ message: String, at location: SourceLocation, _ path: String) {
        errorCount += 1
        diagnostics.append(.error(code, message, at: location, keyPath: path))
    }

    func warning(_ code: DiagnosticCode, _ message: String, _ node: Node?, _ path: String) {
        diagnostics.append(.warning(code, message, at: location(node), keyPath: path))
    }

    // MARK: Value descriptions (the kind of a value, never its text: a file read by mistake may hold secrets)

    /// The resolved tag (`Tag.name` is internal to Yams; `rawValue` is its public spelling).
    static func tagName(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch Self.tagName(node) {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .float: return "a number"
            case .timestamp: return "a timestamp"
            default: return "a string of \(scalar.string.count) characters"
            }
        }
    }

    func typeError(_ expected: String, _ node: Node, _ path: String) {
        error(.sandboxType, "expected \(expected), found \(Self.describe(node))", node, path)
    }

    // MARK: Mappings

    /// A mapping's entries with string keys, in document order. Reports (and skips) non-string keys.
    struct Entries {
        var node: Node
        var path: String
        var pairs: [(key: String, keyNode: Node, value: Node)]

        subscript(key: String) -> Node? { pairs.first(where: { $0.key == key })?.value }
        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }

    func mapping(_ node: Node, _ path: String) -> Entries? {
        guard case .mapping(let mapping) = node else {
            typeError("a mapping", node, path)
            return nil
        }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                typeError("a string key", keyNode, path)
                continue
            }
            pairs.append((scalar.string, keyNode, value))
        }
        return Entries(node: node, path: path, pairs: pairs)
    }

    /// Warns about every key that is neither decoded nor known-and-ignored: nothing is dropped silently.
    func checkKeys(_ entries: Entries, known: [String]) {
        for pair in entries.pairs where !known.contains(pair.key) {
            warning(
                .sandboxUnknownKey,
                "unknown key (ignored); known keys: \(known.sorted().joined(separator: ", "))",
                pair.keyNode, entries.child(pair.key))
        }
    }

    func required(_ entries: Entries, _ key: String) -> Node? {
        guard let value = entries[key] else {
            error(.sandboxMissingField, "missing required field \"\(key)\"", entries.node, entries.child(key))
            return nil
        }
        return value
    }

    // MARK: Scalars

    /// A string value. Numbers and dates are accepted as their text (`cpu: 2`); booleans and null are not,
    /// so `yes`/`off` in a string field is reported rather than silently turned into text.
    func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let scalar) = node, [Tag.Name.str, .int, .float, .timestamp].contains(Self.tagName(node)) else {
            typeError("a string", node, path)
            return nil
        }
        return scalar.string
    }

    func nonEmptyString(_ node: Node, _ path: String) -> String? {
        guard let text = string(node, path) else { return nil }
        guard !text.isEmpty else {
            error(.sandboxInvalidValue, "must not be empty", node, path)
            return nil
        }
        return text
    }

    func integer(_ node: Node, _ path: String) -> Int? {
        guard Self.tagName(node) == .int, let value = node.int else {
            typeError("an integer", node, path)
            return nil
        }
        return value
    }

    func positiveInteger(_ node: Node, _ path: String) -> Int? {
        guard let value = integer(node, path) else { return nil }
        guard value > 0 else {
            error(.sandboxInvalidValue, "expected a positive integer, found \(value == 0 ? "zero" : "a negative integer")", node, path)
            return nil
        }
        return value
    }

    func number(_ node: Node, _ path: String) -> Double? {
        guard [Tag.Name.int, .float].contains(Self.tagName(node)), let value = node.float, value.isFinite else {
            typeError("a number", node, path)
            return nil
        }
        return value
    }

    func oneOf<Value: RawRepresentable>(_ node: Node, _ path: String, _ accepted: [Value]) -> Value? where Value.RawValue == String {
        guard let text = string(node, path) else { return nil }
        guard let value = accepted.first(where: { $0.rawValue == text }) else {
            let names = accepted.map(\.rawValue).joined(separator: ", ")
            error(.sandboxInvalidValue, "expected one of \(names); found \(Self.describe(node))", node, path)
            return nil
        }
        return value
    }

    func glob(_ node: Node, _ path: String) -> Glob? {
        guard let text = string(node, path) else { return nil }
        do {
            return try Glob(text)
        } catch {
            self.error(.sandboxInvalidGlob, "invalid glob: \(error.message)", node, path)
            return nil
        }
    }

    // MARK: Lists

    func list(_ node: Node, _ path: String) -> [(index: Int, node: Node, path: String)]? {
        guard case .sequence(let sequence) = node else {
            typeError("a list", node, path)
            return nil
        }
        return sequence.enumerated().map { ($0.offset, $0.element, "\(path)[\($0.offset)]") }
    }

    /// A list of strings; a single string is accepted as a one-element list.
    func stringList(_ node: Node, _ path: String) -> [String]? {
        if case .scalar = node, let single = string(node, path) { return [single] }
        guard let items = list(node, path) else { return nil }
        return items.compactMap { string($0.node, $0.path) }
    }

    func stringMap(_ node: Node, _ path: String) -> [String: String]? {
        guard let entries = mapping(node, path) else { return nil }
        var result: [String: String] = [:]
        for pair in entries.pairs {
            if let value = string(pair.value, entries.child(pair.key)) { result[pair.key] = value }
        }
        return result
    }
}

extension SandboxNodeWalker {
    /// Counts the nodes of the fully expanded tree (aliases counted at every use) without recursion, and
    /// stops at the first node past the limit: a shared-node alias bomb composes cheaply but would explode
    /// in any walk over it.
    static func firstNodePastLimit(_ root: Node, maxNodes: Int) -> Node? {
        var stack: [Node] = [root]
        var visited = 0
        while let node = stack.popLast() {
            visited += 1
            if visited > maxNodes { return node }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping.reversed() {
                    stack.append(value)
                    stack.append(key)
                }
            case .sequence(let sequence):
                stack.append(contentsOf: sequence.reversed())
            case .scalar, .alias:
                break
            }
        }
        return nil
    }
}
