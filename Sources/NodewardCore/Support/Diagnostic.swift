/// Where in an input a problem was found: `file:line:col`, or the line of a JSON-lines file.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// 1-based column, when the reader knows it (YAML does; JSON lines report the line only).
    public var column: Int?

    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        if let column { return "\(file):\(line):\(column)" }
        return "\(file):\(line)"
    }
}

/// A stable, documented error or warning code (see docs/formats.md, "Diagnostics").
/// A struct rather than an enum so that codes can be added without breaking callers.
public struct DiagnosticCode: Sendable, Hashable, Codable, RawRepresentable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

public enum Severity: String, Sendable, Hashable, Codable, Comparable {
    case warning
    case error

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs == .warning && rhs == .error
    }
}

/// One problem in an input, as a value: a code, a message a user can act on, and where it was found.
/// Errors thrown by readers are `Diagnostic`s with severity `.error`.
public struct Diagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var severity: Severity
    public var code: DiagnosticCode
    public var message: String
    public var location: SourceLocation?
    /// The dotted key path inside a structured document (`spec.limits.requestsPerMinute`), when known.
    public var keyPath: String?

    public init(
        _ severity: Severity, _ code: DiagnosticCode, _ message: String,
        at location: SourceLocation? = nil, keyPath: String? = nil
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.keyPath = keyPath
    }

    public static func error(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation? = nil, keyPath: String? = nil
    ) -> Diagnostic {
        Diagnostic(.error, code, message, at: location, keyPath: keyPath)
    }

    public static func warning(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation? = nil, keyPath: String? = nil
    ) -> Diagnostic {
        Diagnostic(.warning, code, message, at: location, keyPath: keyPath)
    }

    /// Compiler style: `acme.yaml:14:7: error: spec.limits.requestsPerMinute: expected an integer, found "lots" [sandbox.type]`.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "\(severity.rawValue): "
        if let keyPath, !keyPath.isEmpty { text += "\(keyPath): " }
        text += message
        text += " [\(code.rawValue)]"
        return text
    }
}

/// Well-known diagnostic codes. Each one is documented in docs/formats.md.
extension DiagnosticCode {
    // Files and limits
    public static let fileUnreadable: DiagnosticCode = "input.unreadable"
    public static let fileTooLarge: DiagnosticCode = "input.too-large"
    public static let noInputs: DiagnosticCode = "input.none"
    public static let invalidUTF8: DiagnosticCode = "input.invalid-utf8"
    // YAML
    public static let yamlSyntax: DiagnosticCode = "yaml.syntax"
    public static let yamlTooDeep: DiagnosticCode = "yaml.too-deep"
    public static let yamlAliasLimit: DiagnosticCode = "yaml.alias-limit"
    public static let yamlNodeLimit: DiagnosticCode = "yaml.node-limit"
    // Sandbox configs
    public static let sandboxKind: DiagnosticCode = "sandbox.kind"
    public static let sandboxMissingField: DiagnosticCode = "sandbox.missing-field"
    public static let sandboxType: DiagnosticCode = "sandbox.type"
    public static let sandboxInvalidValue: DiagnosticCode = "sandbox.invalid-value"
    public static let sandboxInvalidGlob: DiagnosticCode = "sandbox.invalid-glob"
    public static let sandboxUnknownKey: DiagnosticCode = "sandbox.unknown-key"
    public static let sandboxDuplicateTenant: DiagnosticCode = "sandbox.duplicate-tenant"
    public static let sandboxDuplicateKey: DiagnosticCode = "sandbox.duplicate-key"
    public static let sandboxEmpty: DiagnosticCode = "sandbox.empty"
    // Traces
    public static let traceJSON: DiagnosticCode = "trace.json"
    public static let traceLineTooLong: DiagnosticCode = "trace.line-too-long"
    public static let traceTruncated: DiagnosticCode = "trace.truncated"
    public static let traceMissingField: DiagnosticCode = "trace.missing-field"
    public static let traceInvalidValue: DiagnosticCode = "trace.invalid-value"
    public static let traceUnknownOperation: DiagnosticCode = "trace.unknown-operation"
    public static let traceDuplicateStep: DiagnosticCode = "trace.duplicate-step"
    public static let traceLateSpan: DiagnosticCode = "trace.late-span"
    public static let traceOrphanSpan: DiagnosticCode = "trace.orphan-span"
    public static let traceNoTenant: DiagnosticCode = "trace.no-tenant"
    public static let traceMixedTenants: DiagnosticCode = "trace.mixed-tenants"
    public static let traceFormat: DiagnosticCode = "trace.format"
    // Workspace
    public static let workspaceInvalid: DiagnosticCode = "workspace.invalid"
    public static let workspaceMissing: DiagnosticCode = "workspace.missing"
    public static let workspaceUnknownKey: DiagnosticCode = "workspace.unknown-key"
    /// A path in `nodeward.yaml` leaves the workspace folder (without `--allow-outside-workspace`).
    public static let workspaceOutside: DiagnosticCode = "workspace.outside"
    // Plan
    /// A tenant seen in the traces has no sandbox.
    public static let planMissingSandbox: DiagnosticCode = "plan.missing-sandbox"
}
