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

/// Blocking work (child processes, pipes) on a thread of its own, off Swift's cooperative pool.
private func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
