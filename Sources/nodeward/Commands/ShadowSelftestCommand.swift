import ArgumentParser
import Foundation
import NodewardServer

/// `nodeward shadow selftest`: the canary against a live sidecar (docs/shadow.md, "Shadow self-test").
struct ShadowSelftestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check a running shadow sidecar with the canary step: allowed in shadow mode, denied when cut over.",
        discussion: "Exit codes: 0 every check passed, 1 a check failed or the server could not be reached, 64 usage.")

    @Option(help: ArgumentHelp("The sidecar's base URL.", valueName: "url"))
    var url = "http://127.0.0.1:8787"

    @Option(name: .customLong("token-file"), help: ArgumentHelp("File holding the bearer token.", valueName: "file"))
    var tokenFile: String?

    @Option(help: "Seconds to wait for each response.")
    var timeout = 5.0

    func validate() throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw ValidationError("--url must be an http(s) URL, e.g. http://127.0.0.1:8787")
        }
    }

    func run() async throws {
        let token = try tokenFile.map(Self.readToken)
        let report = await ShadowSelftest.run(baseURL: URL(string: url)!, token: token, timeout: timeout)
        Terminal.out(report.text + "\n")
        if report.passed {
            Terminal.err("shadow selftest: passed (\(report.checks.count) checks against \(url))")
        } else {
            Terminal.err("shadow selftest: FAILED against \(url)")
            throw NodewardExit.findings
        }
    }

    /// The token file's first line, trimmed; an unreadable or empty file is a usage error.
    static func readToken(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read the token file \(path)")
        }
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw ValidationError("the token file \(path) is empty") }
        return token
    }
}
