import Foundation
import Testing

/// What `shadow serve` refuses at start, and what it warns about (issue 13).
@Suite struct ShadowServeStartTests {
    static let tenants = CLI.packageRoot.appendingPathComponent("Samples/fleet/tenants").path

    @Test func serveWithoutATokenFileOrInsecureNoAuthIsAUsageError() async throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLI.run(["shadow", "serve", "--tenants", Self.tenants, "--policies", folder.path, "--no-store"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--token-file") && result.stderr.contains("--insecure-no-auth"))
    }

    @Test func aTokenFileWithAnEmptyFirstLineStopsTheStartNamingTheFile() async throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenFile = folder.appendingPathComponent("token").path
        try "\nsecret-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["shadow", "serve", "--tenants", Self.tenants, "--policies", folder.path, "--no-store",
                                        "--token-file", tokenFile])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("\(tokenFile):1:") && result.stderr.contains("token.first-line-empty"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret-token"))
    }

    @Test func serveWithoutPoliciesSaysToGenerateThem() async throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for policies in [folder.path, folder.appendingPathComponent("missing").path] {
            let result = try await CLI.run(["shadow", "serve", "--tenants", Self.tenants, "--policies", policies, "--no-store",
                                            "--insecure-no-auth"])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("nodeward policy generate") && result.stderr.contains("--policies \(policies)"), "\(result.stderr)")
            #expect(result.stderr.contains("serve.no-policies"))
        }
    }

    @Test(.timeLimit(.minutes(1))) func insecureNoAuthWarnsOnStart() async throws {
        let (fixture, server) = try await onOwnThread {
            let fixture = try CrashFixture()
            return (fixture, try fixture.launch([]))
        }
        defer {
            server.terminate()
            server.wait()
            fixture.remove()
        }
        #expect(server.stderrSoFar.contains("warning: --insecure-no-auth"), "\(server.stderrSoFar)")
    }
}

extension ShadowServeStartTests {
    /// `shadow selftest` passes against a sidecar started with --enable-selftest and a token file, and fails
    /// saying why against one started without it.
    @Test(.timeLimit(.minutes(2))) func selftestPassesOnlyWhenServeEnablesIt() async throws {
        let fixture = try await onOwnThread { try CrashFixture() }
        defer { fixture.remove() }
        let tokenFile = fixture.folder.appendingPathComponent("tokens").path
        try "ops-token *\nacme-token acme\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        for enabled in [true, false] {
            let arguments = ["shadow", "serve", "--tenants", fixture.tenants, "--policies", fixture.policies, "--no-store", "--port", "0",
                             "--token-file", tokenFile] + (enabled ? ["--enable-selftest"] : [])
            let server = try await onOwnThread { try ServeProcess(arguments: arguments) }
            defer {
                server.terminate()
                server.wait()
            }
            let result = try await CLI.run(["shadow", "selftest", "--url", "http://127.0.0.1:\(server.port)", "--token-file", tokenFile])
            if enabled {
                #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                #expect(result.stdout.contains("ok   forged canary for acme refused"), "\(result.stdout)")
            } else {
                #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
                #expect(result.stdout.contains("--enable-selftest"), "\(result.stdout)")
            }
        }
    }
}

/// Blocking work (child processes, pipes) on a thread of its own, off Swift's cooperative pool.
private func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
