import Foundation
import Yams

extension DiagnosticCode {
    public static let policySyntax: DiagnosticCode = "policy.syntax"
    public static let policyType: DiagnosticCode = "policy.type"
    public static let policyMissingField: DiagnosticCode = "policy.missing-field"
    public static let policyVersion: DiagnosticCode = "policy.version"
    public static let policyUnknownNode: DiagnosticCode = "policy.unknown-node"
    public static let policyDuplicateNode: DiagnosticCode = "policy.duplicate-node"
    public static let policyInvalidValue: DiagnosticCode = "policy.invalid-value"
    public static let policyUnknownKey: DiagnosticCode = "policy.unknown-key"
    public static let policyDuplicateKey: DiagnosticCode = "policy.duplicate-key"
    public static let policyDuplicateWorkflow: DiagnosticCode = "policy.duplicate-workflow"
}

extension PolicySet {
    /// YAML in declaration order (version, workflow, evidence first), long lines unwrapped.
    public func yaml() -> String {
        let encoder = YAMLEncoder()
        encoder.options.allowUnicode = true
        encoder.options.width = -1
        return (try? encoder.encode(self)) ?? ""
    }
}

/// Reads a policy file. Problems are `Diagnostic`s with file:line:col where the YAML node is known.
public enum PolicyReader {
    /// Policy files need no aliases, so none are accepted (an alias bomb composes cheaply and explodes
    /// when walked); nesting is bounded because Yams' composer is recursive.
    static let limits: SandboxLimits = {
        var limits = SandboxLimits()
        limits.maxAliases = 0
        return limits
    }()

    public static func read(yaml text: String, file: String) -> (policies: PolicySet?, diagnostics: [Diagnostic]) {
        let (policies, _, diagnostics) = readDocument(yaml: text, file: file)
        return (policies, diagnostics)
    }

    /// As `read`, keeping where each node and field was written, for `policy check`'s lints.
    public static func readFile(yaml text: String, file: String) -> (file: PolicyFile?, diagnostics: [Diagnostic]) {
        let (policies, root, diagnostics) = readDocument(yaml: text, file: file)
        guard let policies, let root else { return (nil, diagnostics) }
        return (PolicyFile(path: file, policies: policies, sourceMap: PolicySourceMap(root: root, file: file)), diagnostics)
    }

    static func readDocument(yaml text: String, file: String) -> (policies: PolicySet?, root: Node?, diagnostics: [Diagnostic]) {
        let text = InputFile.withoutByteOrderMark(text)
        guard text.utf8.count <= limits.maxFileBytes else {
            return (nil, nil, [.error(.fileTooLarge, "a policy file may hold at most \(limits.maxFileBytes) bytes", at: SourceLocation(file: file, line: 1))])
        }
        if let offence = SandboxPreScan.check(SandboxPreScan.DocumentChunk(text: text, firstLine: 1), limits: limits) {
            let message = offence.code == .yamlAliasLimit
                ? "policy files accept no YAML aliases; quote a value that starts with * (pattern: '*@example.com')"
                : offence.message
            return (nil, nil, [.error(offence.code, message, at: SourceLocation(file: file, line: offence.line, column: offence.column))])
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                return (nil, nil, [.error(.policySyntax, "the file is empty", at: SourceLocation(file: file, line: 1))])
            }
            root = composed
        } catch let error as YamlError {
            return (nil, nil, [syntaxDiagnostic(error, file: file)])
        } catch {
            return (nil, nil, [.error(.policySyntax, "not valid YAML", at: SourceLocation(file: file, line: 1))])
        }
        // A misspelt key would silently drop a constraint (a wider policy), so unknown keys are errors.
        let unknownKeys = PolicySchema.unknownKeys(in: root, file: file)
        if !unknownKeys.isEmpty { return (nil, root, unknownKeys) }
        let policies: PolicySet
        do {
            policies = try YAMLDecoder().decode(PolicySet.self, from: root)
        } catch let error as DecodingError {
            return (nil, nil, [decodingDiagnostic(error, root: root, file: file)])
        } catch {
            return (nil, nil, [.error(.policyType, "not a policy file", at: location(of: root, file: file))])
        }
        let diagnostics = validate(policies, root: root, file: file)
        return (diagnostics.contains { $0.severity == .error } ? nil : policies, root, diagnostics)
    }

    /// Semantic checks the decoder cannot make: the version, unique node ids, and that every id named
    /// in `inputs`, `origin` and `after` is a node of this file (or `request`/`start`). Messages name the
    /// key path and what is wrong, never the value written there.
    static func validate(_ policies: PolicySet, root: Node, file: String) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        func report(_ code: DiagnosticCode, _ message: String, _ path: [String]) {
            diagnostics.append(.error(code, message, at: location(of: lookup(path, in: root) ?? root, file: file),
                                      keyPath: path.joined(separator: ".")))
        }
        if policies.version != PolicySet.formatVersion {
            report(.policyVersion, "unsupported version; this build reads version \(PolicySet.formatVersion)", ["version"])
        }
        var ids = Set<String>()
        var firstIndex: [String: Int] = [:]
        for (index, node) in policies.nodes.enumerated() {
            if let first = firstIndex[node.id] {
                report(.policyDuplicateNode, "this node id is already used by nodes.\(first).id", ["nodes", "\(index)", "id"])
            } else {
                firstIndex[node.id] = index
            }
            ids.insert(node.id)
        }
        for (index, node) in policies.nodes.enumerated() {
            let base = ["nodes", "\(index)"]
            for (position, grant) in node.inputs.enumerated() where grant.from != TaskGraph.request && !ids.contains(grant.from) {
                report(.policyUnknownNode, "names a node that is not in this file", base + ["inputs", "\(position)", "from"])
            }
            for (position, predecessor) in (node.match.after ?? []).enumerated() where predecessor != TaskGraph.start && !ids.contains(predecessor) {
                report(.policyUnknownNode, "names a node that is not in this file", base + ["match", "after", "\(position)"])
            }
            for (position, constraint) in (node.allow.arguments ?? []).enumerated() {
                let path = base + ["allow", "arguments", "\(position)"]
                for source in constraint.origin ?? [] where source != TaskGraph.request && !ids.contains(source) {
                    report(.policyUnknownNode, "names a node that is not in this file", path + ["origin"])
                }
                for glob in [constraint.pattern].compactMap({ $0 }) + (constraint.excluded ?? []) {
                    do { _ = try Glob(glob) } catch {
                        report(.policyInvalidValue, "invalid pattern: \(error.message)", path)
                    }
                }
            }
            for (field, value) in [("perRun", node.limits.perRun), ("perMinute", node.limits.perMinute)] {
                if let value, value < 0 { report(.policyInvalidValue, "limits.\(field) must not be negative", base + ["limits", field]) }
            }
        }
        return diagnostics
    }

    static func decodingDiagnostic(_ error: DecodingError, root: Node, file: String) -> Diagnostic {
        let path: [String]
        let message: String
        let code: DiagnosticCode
        switch error {
        case .typeMismatch(let type, let context):
            (path, message, code) = (keys(context.codingPath), "expected \(describe(type))", .policyType)
        case .valueNotFound(let type, let context):
            (path, message, code) = (keys(context.codingPath), "expected \(describe(type)), found nothing", .policyType)
        case .keyNotFound(let key, let context):
            (path, message, code) = (keys(context.codingPath), "missing field \(key.stringValue)", .policyMissingField)
        case .dataCorrupted(let context):
            (path, message, code) = (keys(context.codingPath), "invalid value", .policyInvalidValue)
        @unknown default:
            (path, message, code) = ([], "not a policy file", .policyType)
        }
        let node = lookup(path, in: root) ?? lookup(Array(path.dropLast()), in: root) ?? root
        return .error(code, message, at: location(of: node, file: file), keyPath: path.joined(separator: "."))
    }

    /// libyaml's problem text and position, never the offending source line (`YamlError`'s description
    /// quotes it, and a config's text is not ours to echo). Shared by the threat model and workspace readers.
    static func syntaxDiagnostic(_ error: YamlError, file: String, syntax: DiagnosticCode = .policySyntax,
                                 duplicateKey: DiagnosticCode = .policyDuplicateKey) -> Diagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .error(syntax, problem, at: SourceLocation(file: file, line: mark.line, column: mark.column))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .error(duplicateKey, "duplicate key \(duplicates.sorted().joined(separator: ", "))",
                          at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column))
        default:
            return .error(syntax, "not valid YAML", at: SourceLocation(file: file, line: 1))
        }
    }

    /// For readers that decode YAML with `YAMLDecoder` (labels, task graphs): the problem's kind and key
    /// path, never the error's description (Yams quotes the offending line or value in it).
    static func decodeDiagnostic(_ error: any Error, file: String, code: DiagnosticCode, what: String) -> Diagnostic {
        var diagnostic: Diagnostic
        switch error {
        case let error as YamlError:
            diagnostic = syntaxDiagnostic(error, file: file, syntax: code, duplicateKey: code)
        case let error as DecodingError:
            let start = SourceLocation(file: file, line: 1)
            switch error {
            case .typeMismatch(let type, let context):
                diagnostic = .error(code, "expected \(describe(type))", at: start, keyPath: keys(context.codingPath).joined(separator: "."))
            case .valueNotFound(let type, let context):
                diagnostic = .error(code, "expected \(describe(type)), found nothing", at: start, keyPath: keys(context.codingPath).joined(separator: "."))
            case .keyNotFound(let key, let context):
                diagnostic = .error(code, "missing field \(key.stringValue)", at: start, keyPath: keys(context.codingPath).joined(separator: "."))
            case .dataCorrupted(let context):
                diagnostic = .error(code, "invalid value", at: start, keyPath: keys(context.codingPath).joined(separator: "."))
            @unknown default:
                diagnostic = .error(code, "cannot be decoded", at: start)
            }
        default:
            diagnostic = .error(code, "cannot be decoded", at: SourceLocation(file: file, line: 1))
        }
        diagnostic.message = "\(what): " + diagnostic.message
        return diagnostic
    }

    static func keys(_ path: [any CodingKey]) -> [String] {
        path.map { $0.intValue.map(String.init) ?? $0.stringValue }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        default:
            let name = String(describing: type)
            return name.hasPrefix("Array") ? "a list" : name.hasPrefix("Dictionary") ? "a mapping" : "a \(name)"
        }
    }

    /// The YAML node at a key path (mapping keys, sequence indices as decimal text).
    static func lookup(_ path: [String], in root: Node) -> Node? {
        var node = root
        for key in path {
            if let mapping = node.mapping, let next = mapping[key] {
                node = next
            } else if let sequence = node.sequence, let index = Int(key), sequence.indices.contains(index) {
                node = sequence[index]
            } else {
                return nil
            }
        }
        return node
    }

    static func location(of node: Node, file: String) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(file: file, line: 1) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }
}

/// Reading every policy file of a `policies/` folder (for `check` and the evaluating commands).
public enum PolicyFolder {
    public static func load(directory: String) -> (sets: [PolicySet], diagnostics: [Diagnostic]) {
        let (files, diagnostics) = loadFiles(directory: directory)
        return (files.map(\.policies), diagnostics)
    }

    /// Every readable policy file with its source map, sorted by workflow; the first file (by name) of
    /// a workflow wins.
    public static func loadFiles(directory: String) -> (files: [PolicyFile], diagnostics: [Diagnostic]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return ([], [.error(.fileUnreadable, "cannot read the policies folder", at: SourceLocation(file: directory, line: 1))])
        }
        var loaded: [PolicyFile] = []
        var diagnostics: [Diagnostic] = []
        var files: [String: String] = [:]
        for name in names.sorted() where isPolicyFileName(name) {
            let path = (directory as NSString).appendingPathComponent(name)
            let text: String
            switch InputFile.readText(path, limit: PolicyReader.limits.maxFileBytes, what: "policy file") {
            case .success(let read): text = read
            case .failure(let diagnostic):
                diagnostics.append(diagnostic)
                continue
            }
            let (file, found) = PolicyReader.readFile(yaml: text, file: path)
            diagnostics += found
            guard let file else { continue }
            if let first = files[file.policies.workflow] {
                diagnostics.append(.error(.policyDuplicateWorkflow, "this workflow already has policies in \(first)",
                                          at: SourceLocation(file: path, line: 1)))
                continue
            }
            files[file.policies.workflow] = path
            loaded.append(file)
        }
        return (loaded.sorted { $0.policies.workflow < $1.policies.workflow }, diagnostics)
    }

    public static func isPolicyFileName(_ name: String) -> Bool { name.hasSuffix(".yaml") || name.hasSuffix(".yml") }
}

/// One policy file as read: its path, its policies, and where each node and field was written.
public struct PolicyFile: Sendable, Hashable {
    public var path: String
    public var policies: PolicySet
    public var sourceMap: PolicySourceMap

    /// A hand-built set (tests, generated in memory): locations fall back to `path:1`.
    public init(path: String, policies: PolicySet, sourceMap: PolicySourceMap? = nil) {
        self.path = path
        self.policies = policies
        self.sourceMap = sourceMap ?? PolicySourceMap(file: path)
    }
}

/// Where each YAML node of a policy file starts, by key path (`nodes.3.allow.resources.1`).
public struct PolicySourceMap: Sendable, Hashable {
    public var file: String
    var locations: [String: SourceLocation]

    public init(file: String) {
        self.file = file
        locations = [:]
    }

    init(root: Node, file: String) {
        self.file = file
        var locations: [String: SourceLocation] = [:]
        func walk(_ node: Node, _ path: String) {
            locations[path] = PolicyReader.location(of: node, file: file)
            if let mapping = node.mapping {
                for (key, value) in mapping {
                    guard let name = key.string else { continue }
                    walk(value, path.isEmpty ? name : path + "." + name)
                }
            } else if let sequence = node.sequence {
                for (index, item) in sequence.enumerated() { walk(item, path.isEmpty ? "\(index)" : path + ".\(index)") }
            }
        }
        walk(root, "")
        self.locations = locations
    }

    /// The location of a key path, else of its nearest recorded ancestor, else the file's first line.
    public func location(_ path: [String]) -> SourceLocation {
        var path = path
        while true {
            if let found = locations[path.joined(separator: ".")] { return found }
            if path.isEmpty { return SourceLocation(file: file, line: 1) }
            path.removeLast()
        }
    }

    /// The location of a node of the file (index in `nodes`), or one of its fields.
    public func location(node index: Int, _ field: [String] = []) -> SourceLocation {
        location(["nodes", "\(index)"] + field)
    }
}
