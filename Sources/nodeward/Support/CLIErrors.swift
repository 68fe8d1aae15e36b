import ArgumentParser
import Foundation
import NodewardCore
import NodewardStore

extension DiagnosticCode {
    /// An output file or folder could not be written (docs/cli.md, "Errors").
    public static let outputUnwritable: DiagnosticCode = "output.unwritable"
    /// The command line names no such command.
    static let unknownCommand: DiagnosticCode = "usage.unknown-command"
    /// Any other usage error (ArgumentParser's validation).
    static let usage: DiagnosticCode = "usage"
    /// An error no mapping knows: a bug to report.
    static let internalError: DiagnosticCode = "internal"
}

/// The CLI's one error mapping. Every error a command lets escape ends here and is printed in the
/// compiler style of `Diagnostic.description` (lowercase `error:`, a code, an action), with the exit
/// code of docs/cli.md: file errors → `input.unreadable` / `output.unwritable` (2), store errors →
/// `store.*` (2), usage errors (64). Foundation's and GRDB's own texts are never shown.
enum CLIErrors {
    static func exit(with error: any Error) -> Never {
        if let code = error as? ExitCode {
            // The command has already said why.
            Foundation.exit(code.rawValue)
        }
        if let diagnostic = diagnostic(for: error) {
            Terminal.err(diagnostic.description)
            Foundation.exit(NodewardExit.badInput.rawValue)
        }
        let exitCode = Nodeward.exitCode(for: error)
        if exitCode == .success {
            // --help, --version: ArgumentParser prints them to stdout.
            Nodeward.exit(withError: error)
        }
        if exitCode == .validationFailure {
            Terminal.err(usageText(Nodeward.fullMessage(for: error)))
            Foundation.exit(NodewardExit.usage.rawValue)
        }
        Terminal.err(Diagnostic.error(.internalError, "unexpected \(type(of: error)) error; please report it with the command line that caused it").description)
        Foundation.exit(NodewardExit.badInput.rawValue)
    }

    /// ArgumentParser's `Error: message` and usage lines as `error: message [usage]` and the usage lines.
    static func usageText(_ full: String) -> String {
        var lines = full.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first else { return Diagnostic.error(.usage, "invalid command line").description }
        let message = first.hasPrefix("Error: ") ? String(first.dropFirst("Error: ".count)) : first
        lines[0] = Diagnostic.error(.usage, message).description
        return lines.joined(separator: "\n")
    }

    /// A diagnostic for a file or store error, or nil for errors this mapping does not know.
    /// `path` names the file when the error does not; `writing` says which way the file was used.
    static func diagnostic(for error: any Error, path: String? = nil, writing: Bool? = nil) -> Diagnostic? {
        if let diagnostic = error as? Diagnostic { return diagnostic }
        if let store = StoreErrorText.diagnostic(for: error) { return store }
        let nsError = error as NSError
        let isCocoaFile = nsError.domain == NSCocoaErrorDomain && (0..<1024).contains(nsError.code)
        let isPOSIX = nsError.domain == NSPOSIXErrorDomain
        guard isCocoaFile || isPOSIX else { return nil }
        let named = (nsError.userInfo[NSFilePathErrorKey] as? String) ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path ?? path
        // CocoaError's write codes are 512–639; the rest of the file range is reading.
        let isWrite = writing ?? (isCocoaFile && (512..<640).contains(nsError.code))
        let reason = self.reason(nsError)
        let location = named.map { SourceLocation(file: $0, line: 1) }
        if isWrite {
            return .error(.outputUnwritable, "cannot write: \(reason); check that the folder exists and is writable, or choose another with --out",
                          at: location)
        }
        return .error(.fileUnreadable, "cannot read: \(reason); check that the path exists and is readable", at: location)
    }

    /// A short reason from the errno underneath (never Foundation's sentence, which may name internals).
    static func reason(_ error: NSError) -> String {
        var errnoValue: Int32?
        if error.domain == NSPOSIXErrorDomain { errnoValue = Int32(error.code) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            errnoValue = Int32(underlying.code)
        }
        switch errnoValue {
        case EACCES, EPERM: return "permission denied"
        case ENOENT: return "no such file or folder"
        case ENOTDIR: return "a part of the path is not a folder"
        case EISDIR: return "it is a folder"
        case ENOSPC: return "no space left on the device"
        case EROFS: return "the file system is read-only"
        case EEXIST: return "it already exists"
        case ENAMETOOLONG: return "the name is too long"
        default: break
        }
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "the file system is read-only"
        case .fileWriteFileExists: return "it already exists"
        case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "it is not valid UTF-8 text"
        case .fileReadTooLarge: return "it is too large"
        default: return errnoValue.map { "system error \($0)" } ?? "the system refused (file error \(error.code))"
        }
    }

    /// `nodeward plna …`: the first word that names no subcommand where one is expected, with the
    /// closest name (within two edits) as a suggestion.
    static func unknownCommand(in arguments: [String], root: any ParsableCommand.Type) -> Diagnostic? {
        var command = root
        var words: [String] = [root._commandName]
        for argument in arguments {
            if argument.hasPrefix("-") { return nil }
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, command.configuration.defaultSubcommand == nil else { return nil }
            if let next = subcommands.first(where: { $0._commandName == argument || $0.configuration.aliases.contains(argument) }) {
                command = next
                words.append(argument)
                continue
            }
            if argument == "help" { return nil }
            let names = subcommands.map { $0._commandName }
            let ranked = names.map { (name: $0, distance: editDistance($0, argument)) }.sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }
            let scope = words.joined(separator: " ")
            var message = "unknown command '\(argument)'"
            if let best = ranked.first, best.distance <= 2 || best.name.hasPrefix(argument) {
                message += "; did you mean '\(best.name)'?"
            } else {
                message += "; the commands of \(scope) are \(names.joined(separator: ", "))"
            }
            message += " (see `\(scope) --help`)"
            return .error(.unknownCommand, message)
        }
        return nil
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
    /// transpositions (plna → plan) count one edit each.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}
