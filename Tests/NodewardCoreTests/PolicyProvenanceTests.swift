import Testing
@testable import NodewardCore

/// The evaluator shares inference's provenance code; its fast paths must give the reference answers.
@Suite struct PolicyProvenanceTests {
    /// A deterministic generator, so failures reproduce.
    typealias Generator = SplitMix64

    static let alphabet = Array("aZ09Kq-_.@:/!? \t\n,;()<>\"'[]{}xX7DE")

    static func samples(count: Int, seed: UInt64) -> [String] {
        var generator = Generator(state: seed)
        return (0..<count).map { _ in
            let length = Int(generator.next() % 60)
            var text = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            switch generator.next() % 6 {
            case 0: text += " mail dana.k@acme.example now"
            case 1: text += " DE89370400440532013000"
            case 2: text = "https://x.example/doc-1188" + text
            case 3: text += " ticket-2231a"
            default: break
            }
            return text
        }
    }

    @Test func asciiTokensMatchTheCharacterDefinition() {
        for text in Self.samples(count: 5_000, seed: 42) + ["", "abcdef", "abcdefg", "doc-118", "m-7731xyz", "a@b.c!!", "DE89370400440532013000."] {
            var fast = Set<String>()
            var reference = Set<String>()
            ValueTokens.candidates(in: text, into: &fast)
            ValueTokens.candidatesByCharacter(in: text, into: &reference)
            #expect(fast == reference, "\(text.debugDescription)")
        }
    }

    @Test func nonASCIITextTakesTheCharacterPath() {
        var tokens = Set<String>()
        ValueTokens.candidates(in: "Grüße an jürgen@beispiel.de\r\nbis bald", into: &tokens)
        #expect(tokens == ["jürgen@beispiel.de"])
    }

    @Test func requestMatchingMatchesStringContains() {
        let requests = Self.samples(count: 300, seed: 7) + ["close TCK-1000 for dana.k@acme.example", "line\r\nnext", "café TCK-1"]
        let tokens = ["TCK-1000", "dana.k@acme.example", "\nnext", "next", "caf", "é TCK", "https://x.example/doc-1188", "DE89370400440532013000"]
        for request in requests {
            for token in tokens + Self.samples(count: 5, seed: UInt64(request.utf8.count)) where !token.isEmpty {
                #expect(Provenance.occurs(token, in: request) == request.contains(token), "\(token.debugDescription) in \(request.debugDescription)")
            }
        }
    }
}
