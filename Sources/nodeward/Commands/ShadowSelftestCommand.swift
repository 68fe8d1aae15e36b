import ArgumentParser
import Foundation
import NodewardServer

/// `nodeward shadow selftest`: the canary against a live sidecar (docs/shadow.md, "Shadow self-test").
struct ShadowSelftestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check a running shadow sidecar with the canary step: allowed in shadow mode, denied when cut over.",
        discussion: """
            The sidecar must run with --enable-selftest, and the token (the token file's first grant) must be valid for the \
            canary tenants (a plain token or a * grant). Exit codes: 0 every check passed, 1 a check failed or the server could \
            not be reached, 2 an unusable token file, 64 usage.
            """)

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
        let token = try tokenFile.flatMap { path in
            try ShadowServeCommand.readTokenFile(path).first.map { String(decoding: $0.token, as: UTF8.self) }
        }
        let report = await ShadowSelftest.run(baseURL: URL(string: url)!, token: token, timeout: timeout)
        Terminal.out(report.text + "\n")
        if report.passed {
            Terminal.err("shadow selftest: passed (\(report.checks.count) checks against \(url))")
        } else {
            Terminal.err("shadow selftest: FAILED against \(url)")
            throw NodewardExit.findings
        }
    }
}
